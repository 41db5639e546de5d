// ESLint flat config: typescript-eslint's recommended rules for src/ and
// test/, and the few rules this code base relies on. Formatting is
// prettier's job (npm run lint runs both); warnings fail CI (--max-warnings 0).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: ['lib/**', 'build/**', 'build-*/**', 'node_modules/**', 'native/**', 'test/native/**', 'test/golden/**', 'test/fuzz/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // Loose equality only where a comment says why (value comparison across formats).
      eqeqeq: ['error', 'always'],
      // A closure may read a variable assigned after it is made.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      eqeqeq: ['error', 'always'],
      // Fixtures take MessageChannel and friends from worker_threads by name.
      'no-redeclare': ['error', { builtinGlobals: false }],
    },
  },
  {
    // The addon loader, and tests that load a fresh copy of the package or a
    // fixture addon, require() on purpose.
    files: ['src/native.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
  },
);
