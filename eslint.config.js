// Lint rules for the whole tree: typescript-eslint's type-aware recommended set, plus the
// rules the house relies on (no floating promises, type-only imports written as such).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'runs/', '.cache/', 'coverage/', 'dist/', 'bin/', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // research code (benchmark generator, experiments, downstream probe, benches) is fenced off from the
    // product; entry points hand its measures in (test/house/import-graph.test.ts checks the whole graph)
    files: ['pipeline/**', 'stages/**', 'models/**', 'metrics/**', 'schemas/**', 'report/**', 'scripts/**', 'jobs/**'],
    ignores: ['jobs/demo/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/research/**'],
              message: 'product code must not import research/ (hand it in from an entry point)',
            },
          ],
        },
      ],
    },
  },
);
