import { Chalk, type ChalkInstance } from 'chalk';

/**
 * chalk 5 ignores NO_COLOR, so the CLI decides: an explicit --color/--no-color wins, then NO_COLOR
 * (any non-empty value), then FORCE_COLOR, then whether the stream is a terminal.
 */
export function chalkFor(
  stream: NodeJS.WriteStream,
  flag: boolean | undefined,
  env = process.env,
): ChalkInstance {
  const enabled =
    flag ??
    (env.NO_COLOR ? false : env.FORCE_COLOR !== undefined ? env.FORCE_COLOR !== '0' : Boolean(stream.isTTY));
  return new Chalk({ level: enabled ? 1 : 0 });
}
