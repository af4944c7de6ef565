import { describe, expect, it } from 'vitest';
import { benchOptions } from '../src/bench/options.js';

describe('npm run bench options', () => {
  it('reads the defaults, and what is given', () => {
    expect(benchOptions([])).toEqual({ sizes: [1000, 10000], concurrency: 32, rounds: 3, curl: true });
    expect(benchOptions(['--targets', '500', '--rounds', '5', '--no-curl', '--quic'])).toEqual({
      sizes: [500],
      concurrency: 32,
      rounds: 5,
      curl: false,
      only: 'quic',
    });
    expect(benchOptions(['--help'])).toBe('help');
  });

  it.each([
    [['--rounds', '0'], '--rounds takes a whole number of at least 1, not "0"'],
    [['--concurrency', 'many'], '--concurrency takes a whole number of at least 1, not "many"'],
    [['--targets', '1000,'], '--targets takes a whole number of at least 1, not ""'],
    [['--targets', '1e3'], '--targets takes a whole number of at least 1, not "1e3"'],
    [['--quic', '--scale'], '--quic and --scale each run alone: give one of them'],
    [['--round', '3'], "Unknown option '--round'"],
  ])('refuses %j in a line that names the option', (argv, message) => {
    expect(() => benchOptions(argv)).toThrow(message);
  });
});
