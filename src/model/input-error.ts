/**
 * Bad input from the user: a targets file, an option, a file that cannot be read. The CLI prints it
 * (naming the file and line when known) and exits with status 2.
 */
export class InputError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'InputError';
  }

  /** "targets/x.yaml:12: message", or just the message when no file is involved. */
  describe(): string {
    if (this.file === undefined) return this.message;
    return this.line === undefined
      ? `${this.file}: ${this.message}`
      : `${this.file}:${this.line}: ${this.message}`;
  }
}
