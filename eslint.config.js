// The linter: typescript-eslint's recommended rules; layout is prettier's, so the rules that
// would fight it are off (eslint-config-prettier).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test/fixtures/', 'coverage/', 'reports/', '.stryker-tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    // The launcher is CommonJS on purpose (it sets the thread pool's size before ESM loads).
    files: ['bin/**/*.js', '*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { process: 'readonly', require: 'readonly', __dirname: 'readonly', module: 'writable' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      // Unused names are the compiler's job (noUnusedLocals, noUnusedParameters).
      '@typescript-eslint/no-unused-vars': 'off',
      // Lines at most 120 characters, strings and comments included (prettier breaks code at 110 but
      // not strings or comments); URLs may stay whole.
      'max-len': ['error', { code: 120, ignoreUrls: true }],
    },
  },
);
