import { fileURLToPath } from 'node:url';
import { InputError } from '../model/input-error.js';
import type { Target, TargetList } from '../model/target.js';
import { arrayOf } from '../targets/listed.js';
import type { SelectionFlags } from './options.js';
import { filterTargets, loadTargetList } from '../targets/load.js';

const BUNDLED_TARGETS = fileURLToPath(new URL('../../targets/', import.meta.url));

/** The targets the paths (or the bundled ones) hold, through --only, --service and --category. */
export async function targetsFrom(
  paths: string[],
  flags: SelectionFlags,
  given?: Target[],
): Promise<Target[]> {
  return arrayOf(await targetListFrom(paths, flags, given));
}

/** The same, those of lists kept compact: what a run holds of a million-target list. */
export async function targetListFrom(
  paths: string[],
  flags: SelectionFlags,
  given?: Target[],
): Promise<TargetList> {
  const all =
    given ??
    (await loadTargetList(
      paths.length > 0 ? paths : [BUNDLED_TARGETS],
      flags.serviceFrom ? { serviceFrom: flags.serviceFrom } : {},
    ));
  const selected = filterTargets(all, {
    only: flags.only ?? [],
    services: flags.service ?? [],
    categories: flags.category ?? [],
  });
  if (selected.length === 0) throw new InputError('no target matches --only/--service/--category');
  return selected;
}
