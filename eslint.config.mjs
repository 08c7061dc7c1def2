// Lint rules: the recommended type-aware set, plus the two that catch un-awaited I/O.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.azurite/**', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // Any import of zod's classic API puts all of it back into the published bundle, and its load time into cold start.
    files: ['src/**/*.ts'],
    ignores: ['src/zod-mini.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^zod(/|$)', message: "Import zod as `import * as z from './zod-mini'`: the mini API, with English messages." }] }],
    },
  },
);
