// Lint, and the layering of the design enforced as import rules (VS Code's
// common / node / browser split): src-shared is pure, src-renderer is browser
// only and reaches the backend through the contract, src-main never imports
// the renderer.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_MODULES = [
  'node:*',
  'fs',
  'path',
  'os',
  'child_process',
  'crypto',
  'buffer',
  'better-sqlite3',
  'koffi',
  'electron',
  'electron/*',
];

export default tseslint.config(
  {
    ignores: [
      '.scratch/**',
      '.s4tmp/**',
      '**/.*.tmp.*',
      'out/**',
      'dist/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      'src-renderer/**/*.svelte',
      'build/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['src-shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: NODE_MODULES, message: 'src-shared is pure TypeScript: no Node, Electron or DOM-only modules.' },
            { group: ['**/src-main/**', '**/src-renderer/**'], message: 'src-shared imports nothing from the other layers.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src-renderer/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: NODE_MODULES, message: 'src-renderer runs in the browser.' },
            { group: ['**/src-main/**'], message: 'The renderer reaches the backend only through the API contract.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/src-renderer/**'], message: 'src-main does not import the renderer.' }] },
      ],
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
      },
    },
  },
  {
    // CommonJS on purpose (bin/capture.cjs: no ES module loader at a capture's start).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
