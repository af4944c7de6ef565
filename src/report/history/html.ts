import { rateText } from '../../model/transfer.js';
import { VERDICTS, type VerdictName } from '../../model/verdict.js';
import { rowName, verdictsIn, type Column, type Timeline } from './history.js';
import type { TargetOutcome } from '../document/target-outcome.js';
import { PAGE_SCRIPT, PAGE_STYLE } from './page.js';
import { renderPage } from '../html/page-shell.js';
import { BLOCKED_BY_WORDS, countsText, outcomeCell, where } from '../terminal/table.js';
import { VERDICT_COLOR } from '../terminal/verdict-style.js';
import { shortTime, span } from '../terminal/words.js';

export { scriptSafeJson } from '../html/page-shell.js';

// `reachprobe history --html`: one page, nothing fetched, no report text parsed as HTML (page-shell.ts).

/** What the page's script draws; every text is ready to show. */
export interface PageData {
  heading: string;
  columns: Array<{
    label: string;
    title: string;
    long_gap: boolean;
    partial: boolean;
    counts: Partial<Record<VerdictName, number>>;
    targets: number;
  }>;
  rows: Array<{
    service: string;
    name: string;
    cells: Array<{ verdict: VerdictName; title: string } | null>;
  }>;
  verdicts: Array<{ name: VerdictName; description: string }>;
}

function columnTitle(c: Column): string {
  const after =
    c.after_ms === undefined
      ? []
      : [`${span(c.after_ms)} after the previous report${c.long_gap ? ' (over twice the usual pause)' : ''}`];
  const partial = c.partial ? ['partial: the run was interrupted'] : [];
  return [
    c.file,
    `started ${shortTime(c.started_at)}`,
    ...after,
    ...partial,
    `${c.targets} targets: ${countsText(c.counts)}`,
  ].join('\n');
}

/** The hover text of a cell: when, what, where, why. */
function cellTitle(name: string, c: Column, o: TargetOutcome): string {
  const by = o['blocked-by'];
  return [
    `${name} at ${shortTime(c.started_at)}`,
    outcomeCell(o),
    ...(o.stage ? [where(o)] : []),
    ...(by ? [BLOCKED_BY_WORDS[by]] : []),
    ...(o.rate_bytes_per_second !== undefined ? [`transfer at ${rateText(o.rate_bytes_per_second)}`] : []),
    o.reason,
  ].join('\n');
}

export function pageData(timeline: Timeline): PageData {
  const cols = timeline.columns;
  return {
    heading:
      `${cols.length} report(s) from ${shortTime(cols[0]!.started_at)} ` +
      `to ${shortTime(cols.at(-1)!.started_at)}; ${timeline.rows.length} target(s)`,
    columns: cols.map((c) => ({
      label: `${shortTime(c.started_at)}${c.label === undefined ? '' : ` @${c.label}`}${c.partial ? ' (partial)' : ''}`,
      title: columnTitle(c),
      long_gap: c.long_gap,
      partial: c.partial,
      counts: c.counts,
      targets: c.targets,
    })),
    rows: timeline.rows.map((r) => ({
      service: r.service,
      name: rowName(r),
      cells: r.cells.map((o, i) =>
        o ? { verdict: o.verdict, title: cellTitle(rowName(r), cols[i]!, o) } : null,
      ),
    })),
    verdicts: verdictsIn(timeline).map((v) => ({ name: v, description: VERDICTS[v] })),
  };
}

/** A class per verdict; the names are the tool's own, never a report's. */
const verdictCss = (Object.entries(VERDICT_COLOR) as Array<[VerdictName, string]>)
  .map(([v, color]) => `.v-${v}{background:${color}}`)
  .join('\n');

export function renderHistoryHtml(timeline: Timeline): string {
  return renderPage({
    style: `${PAGE_STYLE}\n${verdictCss}`,
    body: '<div id="legend"></div>\n<div class="scroll"><table id="heatmap"></table></div>',
    data: pageData(timeline),
    script: PAGE_SCRIPT,
  });
}
