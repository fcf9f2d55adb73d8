import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The layers, bottom up: a folder may import only from the folders listed for it (and itself), so
// arrows point down the data flow: sources (recordings, generators) → engines (scenarios for k6,
// engine for Node) → results (report) → orchestrate → cli. Production code never imports tests.
const TOP = [
  'model',
  'io',
  'recordings',
  'generators',
  'learn',
  'emulator',
  'report',
  'scenarios',
  'bundle',
  'engine',
  'orchestrate',
  'cli',
  'test',
  'bench',
];
const MAY_IMPORT = {
  model: [],
  // Node file-system helpers shared by every layer that writes what a user named (never bundled into k6).
  io: ['model'],
  recordings: ['model'],
  generators: ['model', 'io', 'recordings'],
  learn: ['model', 'recordings', 'generators'],
  emulator: ['model'],
  report: ['model', 'io'],
  scenarios: ['model', 'generators', 'report'],
  bundle: ['model', 'io', 'generators'],
  engine: ['model', 'io', 'recordings', 'report'],
  // The two top layers may import every layer below them.
  orchestrate: TOP.slice(0, TOP.indexOf('orchestrate')),
  cli: TOP.slice(0, TOP.indexOf('cli')),
};
const layering = Object.entries(MAY_IMPORT).map(([folder, allowed]) => ({
  files: [`${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: TOP.filter((t) => t !== folder && !allowed.includes(t)).map((t) => ({
          group: [`**/${t}/**`, `../${t}`],
          message: `${folder}/ sits below ${t}/ in the layering (see eslint.config.js): move the shared piece down instead.`,
        })),
      },
    ],
  },
}));

export default tseslint.config(
  // .cartload-tmp/ holds scratch files (git-ignored); linting them would fail every local npm test.
  { ignores: ['node_modules/', 'dist/', 'dist-cli/', 'results/', '.cartload-tmp/'] },
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
  ...layering,
  {
    // The bin, its compiler and the test runner are plain JavaScript run by Node before any
    // TypeScript loads.
    files: ['bin/**/*.mjs', 'test/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        URL: 'readonly',
        performance: 'readonly',
      },
    },
  },
  {
    // The CLI entry point is the only place allowed to end the process.
    files: ['**/*.ts'],
    ignores: ['cli/main.ts', 'bin/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'exit', message: 'Return an exit code; only cli/main.ts calls process.exit.' },
      ],
    },
  },
);
