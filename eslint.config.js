// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { fileURLToPath } from 'node:url';

// Zones are paths relative to this file, wherever ESLint is started from.
const basePath = fileURLToPath(new URL('.', import.meta.url));

// The pure core (src/core) must stay free of I/O, clocks and randomness so that every
// result is reproducible from its inputs. These lists are the boundary, enforced here.
const ioModules = [
  'node:*', 'fs', 'fs/*', 'path', 'os', 'http', 'https', 'net', 'dns', 'child_process',
  'crypto', 'worker_threads', 'stream', 'readline', 'zlib', 'url',
  'fastify', 'fastify/*', '@fastify/*', 'better-sqlite3', 'prom-client', 'commander',
  'csv-parse', 'csv-parse/*', 'pg', 'ioredis', 'redis', 'playwright-core',
];

/*
 * The layers of src/, lowest first (docs/ARCHITECTURE.md, "Layers"). A folder may import its
 * own layer and the layers below it, never one above: the core knows nothing of the shell,
 * the API's shapes nothing of the server, the store nothing of the services that use it,
 * a service nothing of the engine that wires it, and nothing below the entry points reads
 * the configuration (it is passed down as parameters). Peers in one layer may import each
 * other; import-x/no-cycle keeps that one-way.
 *
 *   0 core                            pure: no I/O, clock or randomness (rules further down)
 *   1 api                             the HTTP API's TypeBox shapes, shared by server and SDKs
 *   2 store                           storage ports and their adapters
 *   3 profiles, audit                 the profile state in memory and its one write model; the audit trail
 *   4 workspaces, knowledge, catalog  services, in the order they build on each other ...
 *   5 collect, access                 access: people, roles, tokens, sessions (over workspaces)
 *   6 decide, import, recommend, predict, learn
 *   7 experiments, privacy, review  review publishes through knowledge, decide and experiments (peers one way)
 *   8 engine                          the services wired together, without HTTP
 *   9 examples                        the example shop's configuration, applied through the engine
 *   - server, cli, demo, config,      the entry points: anything below (not listed here, so
 *     the Node SDK's in-process mode  unrestricted)
 *
 * Beside them the SDK clients run in other people's processes and pages: they may use only
 * the core, the API's shapes and the SDK's own folders. So does the studio (src/studio), a
 * web app that talks to the server through the admin API alone. The Node SDK's in-process mode
 * (openEmbedded, inProcessTransport) and its entry point embed the engine: entry points.
 *
 * Tests are exempt: a test may build the whole engine as its fixture.
 */
const layers = [
  ['core'],
  ['api'],
  ['store'],
  ['profiles', 'audit'],
  ['workspaces', 'knowledge', 'catalog'],
  ['collect', 'access'],
  ['decide', 'import', 'recommend', 'predict', 'learn'],
  ['experiments', 'quality', 'fairness', 'privacy', 'review', 'retention'],
  ['engine'],
  ['examples'],
];

/** Files in `target` may import from src/ only what lies in the `allowed` folders. */
function onlyFrom(target, allowed, why) {
  return {
    target,
    from: './src',
    except: allowed.map((folder) => `./${folder}`),
    message: `${why} It may import only from ${allowed.map((folder) => `src/${folder}`).join(', ')} (eslint.config.js, "layers").`,
  };
}

const sdkClient = ['core', 'api', 'sdk/shared'];
const layerZones = [
  ...layers.flatMap((layer, index) => {
    const allowed = layers.slice(0, index + 1).flat();
    return layer.map((folder) => onlyFrom(`./src/${folder}`, allowed, `src/${folder} is layer ${index}.`));
  }),
  onlyFrom('./src/sdk/shared', sdkClient, 'The SDKs run in other processes and pages.'),
  onlyFrom('./src/sdk/browser', [...sdkClient, 'sdk/browser'], 'The browser SDK runs in web pages.'),
  onlyFrom('./src/sdk/testing', [...sdkClient, 'sdk/browser', 'sdk/testing'], 'SDK test doubles stay beside the SDK.'),
  onlyFrom('./src/studio', ['core', 'api', 'studio'], 'The studio runs in browsers and talks to the admin API.'),
  // The HTTP client; openEmbedded, inProcessTransport and index embed the engine.
  onlyFrom('./src/sdk/node/!(openEmbedded|inProcessTransport|index).ts', [...sdkClient, 'sdk/node'], 'The Node SDK\'s client talks to a transport.'),
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
    // One block holds every zone: a later block setting this rule would replace them all.
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    // Tests and contract suites may build the whole engine as their fixture (a store's
    // contract drives its writes through the engine's LiveStore, as production does).
    ignores: ['src/**/*.test.ts', 'src/**/*.contract.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { basePath, zones: layerZones }] },
  },
  {
    // A deferred transaction that reads and then writes fails at once (SQLITE_BUSY_SNAPSHOT)
    // when the storage thread commits in between: the adapter's transactions begin IMMEDIATE.
    // This block replaces the rule's list above, so it repeats the process.env selector.
    files: ['src/store/sqlite/**/*.ts'],
    ignores: ['src/store/sqlite/writeTransaction.ts', 'src/store/sqlite/**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read process.env only in src/config/config.ts.',
        },
        {
          selector: "CallExpression[callee.property.name='transaction']",
          message: 'Open transactions with writeTransaction (BEGIN IMMEDIATE), not db.transaction.',
        },
      ],
    },
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
    // The studio is bundled for browsers: no Node or server modules.
    files: ['src/studio/**/*.ts', 'src/studio/**/*.tsx'],
    ignores: ['src/studio/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: [...ioModules, 'esbuild'], message: 'The studio runs in browsers: no Node or server modules.' }],
      }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ioModules, message: 'src/core is pure: no I/O modules. Put this in the shell.' }],
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
