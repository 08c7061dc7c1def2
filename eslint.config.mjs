// Lint rules: the recommended type-aware set, the two that catch un-awaited I/O, and the layers' import rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Any import of zod's classic API puts all of it back into the published bundle, and its load time into cold start.
const ZOD_MINI_ONLY = { regex: '^zod(/|$)', message: "Import zod as `import * as z from './zod-mini'`: the mini API, with English messages." };
/** What src/domain and src/flow may not import. A later block's rule replaces an earlier one's, so zod's is repeated. */
const PURE_LAYERS = [
  { regex: '^@azure/', message: 'The core is pure: Azure SDK types and calls belong in src/adapters.' },
  { regex: '^(node:)?(fs|net|http|https|http2|child_process|dgram|dns|tls|worker_threads|cluster|readline|timers|process|os)(/|$)', message: 'The core is pure: I/O, timers and the process belong in src/app or an adapter.' },
  { regex: '(^|/)(adapters|app|functions)(/|$)|(^|/)(config|telemetry|index)$', message: 'The core depends on nothing outside src/domain and src/flow: adapters and the shell depend on it.' },
];

/** What the shell may not import: it sees the outside world through src/app/ports.ts; the composition root wires it. */
const SHELL = [
  { regex: '^@azure/', message: 'The shell reaches Azure through a port (src/app/ports.ts); the SDK belongs in src/adapters.' },
  { regex: '(^|/)adapters(/|$)', message: 'The shell knows adapters only by their ports (src/app/ports.ts); only src/app/composition-root.ts names them.' },
  { regex: '(^|/)functions(/|$)', message: 'The triggers call the shell, never the other way round.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.azurite/**', '.stryker-tmp/**', 'reports/**', 'eslint.config.mjs', 'stryker.config.mjs'] },
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
    files: ['src/**/*.ts'],
    ignores: ['src/zod-mini.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [ZOD_MINI_ONLY] }] },
  },
  {
    // The decision core and the flow are pure: no SDK, no I/O, no adapter or shell, so they test without a stack.
    files: ['src/domain/**/*.ts', 'src/flow/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [ZOD_MINI_ONLY, ...PURE_LAYERS] }] },
  },
  {
    files: ['src/app/**/*.ts'],
    ignores: ['src/app/composition-root.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [ZOD_MINI_ONLY, ...SHELL] }] },
  },
);
