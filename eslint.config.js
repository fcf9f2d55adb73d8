import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // .cartload-tmp/ holds scratch files (git-ignored); linting them would fail every local npm test.
  { ignores: ['node_modules/', 'dist/', 'results/', '.cartload-tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // The CLI entry point is the only place allowed to end the process.
    files: ['**/*.ts'],
    ignores: ['scripts/cartload.ts', 'bin/**'],
    rules: { 'no-restricted-properties': ['error', { object: 'process', property: 'exit', message: 'Return an exit code; only scripts/cartload.ts calls process.exit.' }] },
  },
);
