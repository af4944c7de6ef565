import type { ChalkInstance } from 'chalk';
import { InputError } from '../model/input-error.js';
import { renderBucketsHtml } from '../report/buckets/html.js';
import { renderBuckets, type Compared } from '../report/buckets/text.js';
import { writeAtomically } from '../report/document/document.js';
import { buildGrid, compareGrid, type Grid } from '../report/buckets/buckets.js';
import { EXIT } from './meta.js';
import type { HistoryFlags } from './options.js';
import type { ServiceSample } from '../report/history/events.js';

// `history --db FILE`: the store's time buckets, in the terminal, as JSON, or as one page.

/** history's flags when --db gives a store. */
export type StoreHistoryFlags = HistoryFlags & { db: string };

function checkFlags(paths: string[], flags: StoreHistoryFlags): void {
  if (paths.length > 0)
    throw new InputError(
      '--db answers from the store: give no report files with it (`reachprobe ingest` adds them)',
    );
  if (flags.last !== undefined)
    throw new InputError('--last counts reports; with --db use --since and --until');
  if (flags.compare && flags.label)
    throw new InputError('--compare names its two vantage points: give no --label with it');
  if (flags.since && flags.until && flags.since >= flags.until)
    throw new InputError('--since must come before --until');
}

/** The grid as JSON: what the page and the terminal show, for scripts. */
function jsonOf(grid: Grid, compared?: Compared): string {
  const rows = grid.rows.map((r) => ({
    label: r.label,
    service: r.service,
    target: r.name,
    cells: r.cells.map((c) => c ?? null),
  }));
  return `${JSON.stringify({ by: grid.by, buckets: grid.starts, rows, ...(compared ? { compared } : {}) })}\n`;
}

/**
 * The page: the buckets drawn on the history page (services first, then targets), or with --compare the
 * two vantage points' grid side by side and where they differ.
 */
async function pageOf(grid: Grid, flags: StoreHistoryFlags, compared?: Compared): Promise<string> {
  if (compared) return renderBucketsHtml(grid, compared);
  const [
    { bucketPlotData },
    { BUCKET_EXPAND },
    { buildServiceGrid },
    { renderPlotPage },
    { plotLibraries },
    samples,
  ] = await Promise.all([
    import('../report/buckets/plot.js'),
    import('../report/buckets/page.js'),
    import('../report/buckets/services.js'),
    import('../report/history/html.js'),
    import('../report/html/plot-library.js'),
    storeSamples([], flags),
  ]);
  const services = buildServiceGrid(samples, grid.by, spanOf(flags));
  return renderPlotPage(bucketPlotData(grid, services), await plotLibraries(), BUCKET_EXPAND);
}

async function writePage(file: string, grid: Grid, flags: StoreHistoryFlags, compared?: Compared) {
  const page = await pageOf(grid, flags, compared);
  try {
    await writeAtomically(file, page);
  } catch (err) {
    throw new InputError(`cannot write the page: ${(err as Error).message}`, file);
  }
  process.stdout.write(
    `wrote ${file}: ${grid.starts.length} ${grid.by} bucket(s), ${grid.rows.length} row(s), ` +
      `${Math.round(page.length / 1000)} kB\n`,
  );
}

/** --since and --until, as the buckets' span. */
const spanOf = (flags: StoreHistoryFlags) => ({
  ...(flags.since ? { since: flags.since } : {}),
  ...(flags.until ? { until: flags.until } : {}),
});

/** The labels a store holds, to name them when a query finds nothing. */
function heldText(labels: Array<string | null>): string {
  if (labels.length === 0) return 'the store is empty';
  const named = labels.filter((l): l is string => l !== null);
  const unlabelled = labels.length > named.length ? ['results without a label'] : [];
  return `the store has ${[...named.map((l) => `--label ${l}`), ...unlabelled].join(', ')}`;
}

/** Each report's service states, from its rows in the store (for --events and --services). */
export async function storeSamples(paths: string[], flags: StoreHistoryFlags): Promise<ServiceSample[]> {
  if (paths.length > 0) throw new InputError('--db answers from the store: give no report files with it');
  const [{ withStore }, { serviceSamples }] = await Promise.all([
    import('../store/store.js'),
    import('../store/events-query.js'),
  ]);
  const query = {
    ...(flags.since ? { since: flags.since } : {}),
    ...(flags.until ? { until: flags.until } : {}),
    ...(flags.label ? { labels: flags.label } : {}),
  };
  const samples = await withStore(flags.db, false, (c) => serviceSamples(c, query));
  if (samples.length === 0)
    throw new InputError('no result in the store for this span and these labels', flags.db);
  return samples;
}

/** `--services`: a service's state per bucket and vantage point, from each report's rows. */
async function runServiceBuckets(flags: StoreHistoryFlags, chalk: ChalkInstance): Promise<number> {
  if (flags.html !== undefined || flags.compare)
    throw new InputError('--services prints (or --json): give no --html or --compare with it');
  const { buildServiceGrid, renderServiceBuckets } = await import('../report/buckets/services.js');
  const samples = await storeSamples([], flags);
  const grid = buildServiceGrid(samples, flags.by ?? 'day', spanOf(flags));
  const services = grid.rows.map((r) => ({ ...r, cells: r.cells.map((c) => c ?? null) }));
  process.stdout.write(
    flags.json
      ? `${JSON.stringify({ by: grid.by, buckets: grid.starts, services })}\n`
      : renderServiceBuckets(grid, chalk),
  );
  return EXIT.ok;
}

export async function runStoreHistory(
  paths: string[],
  flags: StoreHistoryFlags,
  chalk: ChalkInstance,
): Promise<number> {
  checkFlags(paths, flags);
  if (flags.services) return runServiceBuckets(flags, chalk);
  const [{ withStore }, { bucketCounts, bucketRates, labelsIn }] = await Promise.all([
    import('../store/store.js'),
    import('../store/buckets-query.js'),
  ]);
  const by = flags.by ?? 'day';
  const labels = flags.compare ?? flags.label;
  const query = {
    by,
    ...spanOf(flags),
    ...(labels ? { labels } : {}),
  };
  const {
    counts,
    rates,
    labels: held,
  } = await withStore(flags.db, false, async (c) => {
    const found = await bucketCounts(c, query);
    if (found.length === 0) return { counts: found, rates: [], labels: await labelsIn(c) };
    return { counts: found, rates: await bucketRates(c, query), labels: [] };
  });
  if (counts.length === 0)
    throw new InputError(
      `no result in the store for this span and these labels (${heldText(held)})`,
      flags.db,
    );
  const whole = buildGrid(counts, by, query, rates);
  const side = flags.compare ? compareGrid(whole, flags.compare) : undefined;
  const grid = side?.grid ?? whole;
  const compared =
    side && flags.compare ? { labels: flags.compare, differences: side.differences } : undefined;
  if (flags.html !== undefined) await writePage(flags.html, grid, flags, compared);
  else process.stdout.write(flags.json ? jsonOf(grid, compared) : renderBuckets(grid, chalk, compared));
  return EXIT.ok;
}
