// The house's rules, checked by `npm run lint`: no circle of files, and each folder imports only
// the folders below it (README "How the code should look"; docs/development.md draws the layers).
// bench and cli are entry points: nothing imports them.
const below = {
  model: [],
  net: ['model'],
  checks: ['net', 'model'],
  classify: ['model'],
  targets: ['model'],
  report: ['classify', 'model'],
  run: ['checks', 'classify', 'net', 'targets', 'model'],
  helper: ['run', 'checks', 'classify', 'net', 'targets', 'report', 'model'],
  store: ['report', 'classify', 'model'],
  mock: ['helper', 'run', 'checks', 'classify', 'net', 'targets', 'report', 'model'],
};
const folders = Object.keys(below);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A circle of files has no layer order: split the shared part into a module of its own.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-import-of-entry-points',
      severity: 'error',
      comment: 'cli and bench are entry points; what they share with the rest belongs below them.',
      from: { path: '^src/(?!cli/|bench/)' },
      to: { path: '^src/(cli|bench)/' },
    },
    ...folders.map((folder) => ({
      name: `layers-${folder}`,
      severity: 'error',
      comment: `src/${folder} may import only ${below[folder].join(', ') || 'nothing else in src'}.`,
      from: { path: `^src/${folder}/` },
      to: { path: `^src/(?!(${[folder, ...below[folder]].join('|')})/)[^/]+/` },
    })),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '^(dist|node_modules)/' },
  },
};
