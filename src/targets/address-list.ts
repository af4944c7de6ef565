import { readFileSync } from 'node:fs';
import net from 'node:net';
import { addRange } from '../model/addresses.js';
import { InputError } from '../model/input-error.js';

/**
 * Reads a list of addresses and CIDR ranges, one a line ('#' starts a comment), as for
 * --forged-pool. A line that is neither names the file and line.
 */
export function readAddressList(file: string): net.BlockList {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(
      `cannot read the address list: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      file,
    );
  }
  const list = new net.BlockList();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line !== '' && !addRange(list, line)) {
      throw new InputError(
        `"${line}" is not an IP address or CIDR range (like 1.2.3.0/24 or 2001:db8::/32)`,
        file,
        i + 1,
      );
    }
  });
  return list;
}
