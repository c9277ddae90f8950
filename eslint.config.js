// Lint, and the rule that keeps the layers importing one way (docs/ARCHITECTURE.md):
// formats -> core -> engine -> store -> views. Pure layers never import React, d3, tfjs or the DOM-bound layers.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const pureBans = (extra) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        { group: ['react', 'react-dom', 'react/*', 'react-dom/*'], message: 'Pure layers must not import React.' },
        { group: ['@tensorflow/*'], message: 'Only src/engine may touch tfjs/WebGPU.' },
        { group: ['d3', 'd3-*'], message: 'Drawing belongs in src/views.' },
        { group: ['zustand', 'zustand/*'], message: 'State belongs in src/store.' },
        ...extra.map((layer) => ({ group: [`**/${layer}/*`, `**/${layer}`], message: `This layer must not import src/${layer}.` })),
      ],
    },
  ],
});

export default tseslint.config(
  { ignores: ['dist/**', 'dist-*/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'public/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node, ...globals.worker } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/**/*.tsx', 'src/views/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' },
  },
  // formats: the bottom layer, pure TypeScript.
  { files: ['src/formats/**/*.ts'], ignores: ['src/formats/node/**'], rules: pureBans(['core', 'engine', 'store', 'views', 'export', 'eval', 'cli']) },
  // core: pure KEN; may read formats' types only.
  { files: ['src/core/**/*.ts'], rules: pureBans(['engine', 'store', 'views', 'export', 'eval', 'cli']) },
  // export and eval's tokenizer: pure, above core.
  { files: ['src/export/**/*.ts'], rules: pureBans(['engine', 'store', 'views', 'cli']) },
  { files: ['src/eval/**/*.ts'], rules: pureBans(['engine', 'store', 'views', 'cli']) },
  // engine: may use tfjs, never React or the store.
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['react', 'react-dom', 'react/*'], message: 'The engine never imports React.' },
            { group: ['**/store/*', '**/views/*'], message: 'The engine must not import the store or views.' },
          ],
        },
      ],
    },
  },
  // store: plain zustand, no React, no tfjs.
  {
    files: ['src/store/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['react', 'react-dom', 'react/*'], message: 'The store is vanilla zustand.' },
            { group: ['@tensorflow/*'], message: 'Only src/engine may touch tfjs.' },
            { group: ['**/views/*'], message: 'The store must not import views.' },
          ],
        },
      ],
    },
  },
);
