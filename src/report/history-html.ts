import { VERDICTS, type VerdictName } from '../model/verdict.js';
import { verdictsIn, type Column, type Timeline } from './history.js';
import type { TargetOutcome } from './target-outcome.js';
import { PAGE_SCRIPT, PAGE_STYLE } from './history-page.js';
import { BLOCKED_BY_WORDS, countsText, verdictCell, where } from './table.js';
import { VERDICT_COLOR } from './verdict-style.js';
import { shortTime, span } from './words.js';

// `reachprobe history --html`: one page, nothing fetched. Every string that comes from a report
// travels as JSON data in a script element (its `<` escaped, so no report text can end the
// element) and the page's script puts it in the DOM with textContent and title: no report text is
// ever parsed as HTML. The page also forbids itself any fetch (Content-Security-Policy).

/** What the page's script draws; every text is ready to show. */
export interface PageData {
  heading: string;
  columns: Array<{ label: string; title: string; long_gap: boolean; partial: boolean; counts: Partial<Record<VerdictName, number>>; targets: number }>;
  rows: Array<{ service: string; name: string; cells: Array<{ verdict: VerdictName; title: string } | null> }>;
  verdicts: Array<{ name: VerdictName; description: string }>;
}

function columnTitle(c: Column): string {
  const after = c.after_ms === undefined ? [] : [`${span(c.after_ms)} after the previous report${c.long_gap ? ' (over twice the usual pause)' : ''}`];
  const partial = c.partial ? ['partial: the run was interrupted'] : [];
  return [c.file, `started ${shortTime(c.started_at)}`, ...after, ...partial, `${c.targets} targets: ${countsText(c.counts)}`].join('\n');
}

/** The hover text of a cell: when, what, where, why. */
function cellTitle(name: string, c: Column, o: TargetOutcome): string {
  const by = o['blocked-by'];
  return [
    `${name} at ${shortTime(c.started_at)}`,
    verdictCell(o),
    ...(o.stage ? [where(o)] : []),
    ...(by ? [BLOCKED_BY_WORDS[by]] : []),
    o.reason,
  ].join('\n');
}

export function pageData(timeline: Timeline): PageData {
  const cols = timeline.columns;
  return {
    heading: `${cols.length} report(s) from ${shortTime(cols[0]!.started_at)} to ${shortTime(cols.at(-1)!.started_at)}; ${timeline.rows.length} target(s)`,
    columns: cols.map((c) => ({
      label: `${shortTime(c.started_at)}${c.partial ? ' (partial)' : ''}`,
      title: columnTitle(c),
      long_gap: c.long_gap,
      partial: c.partial,
      counts: c.counts,
      targets: c.targets,
    })),
    rows: timeline.rows.map((r) => ({
      service: r.service,
      name: r.name,
      cells: r.cells.map((o, i) => (o ? { verdict: o.verdict, title: cellTitle(r.name, cols[i]!, o) } : null)),
    })),
    verdicts: verdictsIn(timeline).map((v) => ({ name: v, description: VERDICTS[v] })),
  };
}

/** JSON that can sit inside a script element: no `<` (so no `</script>`, no `<!--`), and no line separators. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A class per verdict; the names are the tool's own, never a report's. */
const verdictCss = (Object.entries(VERDICT_COLOR) as Array<[VerdictName, string]>).map(([v, color]) => `.v-${v}{background:${color}}`).join('\n');

const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

export function renderHistoryHtml(timeline: Timeline): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>reachprobe history</title>
<style>
${PAGE_STYLE}
${verdictCss}
</style>
</head>
<body>
<h1>reachprobe history</h1>
<p id="heading"></p>
<noscript><p>This page draws its heatmap with JavaScript: allow scripts for this file to see it.</p></noscript>
<div id="legend"></div>
<div class="scroll"><table id="heatmap"></table></div>
<script type="application/json" id="data">${scriptSafeJson(pageData(timeline))}</script>
<script>
${PAGE_SCRIPT}
</script>
</body>
</html>
`;
}
