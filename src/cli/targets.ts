import type { Target } from '../model/target.js';
import { EXIT } from './meta.js';
import type { TargetsFlags } from './options.js';
import { targetsFrom } from './selection.js';

// `reachprobe targets`: what `check` would measure, read and filtered the same way, sending nothing.

/** A target file may say `quic: true|false` once the model has the field; until then it is unknown. */
const quicOf = (t: Target): boolean | null => {
  const quic = (t as { quic?: unknown }).quic;
  return typeof quic === 'boolean' ? quic : null;
};

function jsonLine(t: Target): string {
  const { name, service, url, tags, category } = t;
  return JSON.stringify({
    name,
    service,
    url,
    tags,
    quic: quicOf(t),
    ...(category ? { category } : {}),
    source: `${t.source.file}:${t.source.line}`,
  });
}

const COLUMNS = ['name', 'service', 'url', 'tags', 'quic'] as const;

function row(t: Target): string[] {
  const quic = quicOf(t);
  return [t.name, t.service, t.url, t.tags.join(','), quic === null ? '' : quic ? 'yes' : 'no'];
}

function table(targets: Target[]): string {
  const rows = [[...COLUMNS] as string[], ...targets.map(row)];
  const widths = COLUMNS.map((_, i) => rows.reduce((w, r) => Math.max(w, r[i]!.length), 0));
  const lines = rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n${targets.length} target${targets.length === 1 ? '' : 's'}\n`;
}

export async function runTargets(paths: string[], flags: TargetsFlags): Promise<number> {
  const targets = await targetsFrom(paths, flags);
  if (!flags.json) {
    process.stdout.write(table(targets));
    return EXIT.ok;
  }
  // One write per thousand lines: a 100,000-target list is not one string, nor 100,000 writes.
  for (let i = 0; i < targets.length; i += 1000)
    process.stdout.write(
      `${targets
        .slice(i, i + 1000)
        .map(jsonLine)
        .join('\n')}\n`,
    );
  return EXIT.ok;
}
