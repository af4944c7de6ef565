// Mutation testing of the pure classifiers and the QUIC client (npm run mutation; not in CI: it takes
// minutes). One folder at a time: npm run mutation -- --mutate 'src/net/quic/**/*.ts'.
// The HTML report lands in reports/mutation/. Reruns only test what changed (the incremental file);
// --force measures everything again.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  mutate: ['src/classify/**/*.ts', 'src/net/quic/**/*.ts'],
  coverageAnalysis: 'perTest',
  // Static mutants (constants evaluated at import) would rerun every test each; they are few here.
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 10_000,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
