import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const pureDirs = ['src/request', 'src/template', 'src/constraints', 'src/response', 'src/server'];

export default tseslint.config(
  {
    ignores: [
      'dist',
      'node_modules',
      'test-results',
      'playwright-report',
      'public',
      '.cache',
      'servers/.work',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Pure modules: no DOM framework, no engine, no UI/store imports (one-way architecture).
    files: pureDirs.map((d) => `${d}/**/*.ts`),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['react', 'react-dom', 'zustand', 'zustand/*'],
              message: 'Pure modules import no UI.',
            },
            {
              group: ['@mlc-ai/web-llm', '@wllama/wllama'],
              message: 'Only the worker imports engines.',
            },
            {
              group: ['**/ui/**', '**/store/**', '**/engine/**'],
              message: 'Pure modules do not import app layers.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/ui/**/*.{ts,tsx}', 'src/store/**/*.ts', 'src/main.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@mlc-ai/web-llm', '@wllama/wllama'],
              message: 'Only the worker imports engines.',
            },
          ],
        },
      ],
    },
  },
);
