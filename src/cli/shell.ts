/**
 * An argument as a POSIX shell reads it back unchanged: bare when it holds only safe characters,
 * else in single quotes. Brackets are quoted: they are glob characters (zsh stops at a glob that
 * matches nothing).
 */
export const shellQuote = (arg: string): string =>
  /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
