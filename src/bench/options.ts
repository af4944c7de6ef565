// The benchmark's options: `npm run bench -- --help` lists them; a bad one is said in a line, exit 2.
import { parseArgs } from 'node:util';

export const USAGE = `usage: npm run bench -- [options]

  --targets N[,N...]   the sizes of the mixed runs; the largest is the throughput run's (default 1000,10000)
  --concurrency N      targets at once, for reachprobe, the loop and curl alike (default 32)
  --rounds N           interleaved rounds of the loop and reachprobe the throughput goals are held over (default 3)
  --no-curl            leave curl out
  --quic               the QUIC runs instead of the others
  --scale              a million targets instead of the others
  --transfer           the large-transfer run alone
  --redirects          the run of targets that redirect, over both families, alone
  --help               this text
`;

export interface BenchOptions {
  sizes: number[];
  concurrency: number;
  rounds: number;
  curl: boolean;
  only?: 'quic' | 'scale' | 'transfer' | 'redirects';
}

const ONLY = ['quic', 'scale', 'transfer', 'redirects'] as const;

/** A whole number of at least 1, or an error naming the option. */
function count(option: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new Error(`--${option} takes a whole number of at least 1, not "${text}"`);
  return n;
}

/** The options, `'help'` when asked for it; throws with a one-line message on a bad one. */
export function benchOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      targets: { type: 'string', default: '1000,10000' },
      concurrency: { type: 'string', default: '32' },
      rounds: { type: 'string', default: '3' },
      'no-curl': { type: 'boolean', default: false },
      quic: { type: 'boolean', default: false },
      scale: { type: 'boolean', default: false },
      transfer: { type: 'boolean', default: false },
      redirects: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const only = ONLY.filter((name) => values[name]);
  if (only.length > 1) throw new Error(`--${only.join(' and --')} each run alone: give one of them`);
  return {
    sizes: values.targets.split(',').map((size) => count('targets', size)),
    concurrency: count('concurrency', values.concurrency),
    rounds: count('rounds', values.rounds),
    curl: !values['no-curl'],
    ...(only[0] ? { only: only[0] } : {}),
  };
}
