// The command line's start-up code (dist/cli/main.js and what it imports statically) as one
// CommonJS file, dist/cli/startup.cjs, which bin/reachprobe.js requires. Node 20 has no compile
// cache, and its ESM loader reads each module through the thread pool: `reachprobe --help` spent
// about a third of its time past node's own start-up loading eleven small modules that way. The
// command modules stay where tsc wrote them, imported when a command runs, as before.
import * as esbuild from 'esbuild';

await esbuild.build({
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/cli/startup.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  // commander is required from node_modules, as the command modules require it: one copy, so
  // its errors are the same classes everywhere.
  external: ['commander'],
  // The bundle sits in dist/cli/, beside main.js: the URLs built from import.meta.url are the same.
  define: { 'import.meta.url': 'import_meta_url' },
  banner: { js: "const import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [
    {
      name: 'commands-stay-lazy',
      setup(build) {
        build.onResolve({ filter: /.*/ }, (args) =>
          args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined,
        );
      },
    },
  ],
});
