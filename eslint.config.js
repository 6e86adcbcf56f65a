// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

// The pure core (src/core) must stay free of I/O, clocks and randomness so that every
// result is reproducible from its inputs. These lists are the boundary, enforced here.
const ioModules = [
  'node:*', 'fs', 'fs/*', 'path', 'os', 'http', 'https', 'net', 'dns', 'child_process',
  'crypto', 'worker_threads', 'stream', 'readline', 'zlib', 'url',
  'fastify', 'fastify/*', '@fastify/*', 'better-sqlite3', 'prom-client', 'commander',
  'csv-parse', 'csv-parse/*', 'pg', 'ioredis', 'redis', 'playwright-core',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**', 'packages/*/dist/**'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    languageOptions: {
      globals: {
        console: 'readonly', process: 'readonly', Buffer: 'readonly', setTimeout: 'readonly',
        clearTimeout: 'readonly', setImmediate: 'readonly', setInterval: 'readonly',
        clearInterval: 'readonly', URL: 'readonly', TextEncoder: 'readonly', fetch: 'readonly',
        AbortController: 'readonly', performance: 'readonly', structuredClone: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-default-export': 'error',
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read process.env only in src/config/config.ts.',
        },
      ],
    },
  },
  {
    // Tool configuration files must default-export.
    files: ['eslint.config.js', 'vitest.config.ts'],
    rules: { 'import-x/no-default-export': 'off' },
  },
  {
    files: ['src/config/config.ts', 'test/**', 'bench/**', '**/*.test.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // The browser SDK is bundled for web pages: no Node modules or globals there. It reaches
    // browser APIs through BrowserEnvironment alone (tests pass fakes), so it declares no
    // browser globals either. Its build script and tests run in Node.
    files: ['src/sdk/browser/**/*.ts'],
    ignores: ['src/sdk/browser/**/*.test.ts', 'src/sdk/browser/buildBrowserSdk.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: [...ioModules, 'esbuild'], message: 'The browser SDK runs in web pages: no Node or server modules.' }],
      }],
      'no-restricted-globals': ['error',
        { name: 'process', message: 'Not in a browser.' },
        { name: 'Buffer', message: 'Not in a browser.' },
        { name: 'setImmediate', message: 'Not in a browser; use the environment\'s scheduler.' },
        { name: 'setTimeout', message: 'Use the environment\'s scheduler, which tests control.' },
        { name: 'fetch', message: 'Use the environment\'s fetch, which tests replace.' },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ioModules, message: 'src/core is pure: no I/O modules. Put this in the shell.' }],
      }],
      'import-x/no-restricted-paths': ['error', {
        zones: [{
          target: './src/core',
          from: './src',
          except: ['./core'],
          message: 'src/core may import only from src/core.',
        }],
      }],
      'no-restricted-globals': ['error',
        { name: 'process', message: 'The core takes its configuration as parameters.' },
        { name: 'setTimeout', message: 'The core does not schedule; the shell does.' },
        { name: 'setInterval', message: 'The core does not schedule; the shell does.' },
        { name: 'fetch', message: 'The core does no I/O.' },
        { name: 'Buffer', message: 'Use TextEncoder or plain arrays in the core.' },
      ],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'Take the clock as a parameter.' },
        { object: 'Math', property: 'random', message: 'Take a seeded random generator as a parameter.' },
        { object: 'performance', property: 'now', message: 'Take the clock as a parameter.' },
        { object: 'crypto', property: 'randomUUID', message: 'Take an id generator as a parameter.' },
      ],
      'no-restricted-syntax': ['error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Take the clock as a parameter.' },
        { selector: "CallExpression[callee.name='eval']", message: 'Never eval.' },
        { selector: "NewExpression[callee.name='Function']", message: 'Never new Function.' },
      ],
    },
  },
);
