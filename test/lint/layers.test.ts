import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layer and core rules are only as good as their configuration: a later block that sets
// the same rule replaces its zones silently. These cases lint code as if it sat in a file of
// a given folder, with the repository's own eslint.config.js.
const root = join(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return (result?.messages ?? []).map((message) => `${message.ruleId ?? 'fatal'}: ${message.message}`);
}

function importing(specifier: string, name: string): string {
  return `import { ${name} } from '${specifier}';\nexport const used = ${name};\n`;
}

describe('the layers of the shell (eslint.config.js)', () => {
  it.each([
    ['src/store/probe.ts', '../engine/createEngine.js', 'createEngine', 'src/store is layer 2'],
    ['src/api/probe.ts', '../server/buildServer.js', 'buildServer', 'src/api is layer 1'],
    ['src/profiles/probe.ts', '../knowledge/KnowledgeModels.js', 'KnowledgeModels', 'src/profiles is layer 3'],
    ['src/knowledge/probe.ts', '../collect/Collector.js', 'Collector', 'src/knowledge is layer 4'],
    ['src/knowledge/probe.ts', '../config/config.js', 'loadConfig', 'src/knowledge is layer 4'],
    ['src/review/probe.ts', '../engine/createEngine.js', 'createEngine', 'src/review is layer 7'],
    ['src/engine/probe.ts', '../server/buildServer.js', 'buildServer', 'src/engine is layer 8'],
    ['src/examples/probe.ts', '../cli/main.js', 'buildProgram', 'src/examples is layer 9'],
    ['src/sdk/browser/probe.ts', '../../server/buildServer.js', 'buildServer', 'The browser SDK runs in web pages'],
    ['src/sdk/shared/probe.ts', '../../store/ports.js', 'noSuchExport', 'The SDKs run in other processes'],
    ['src/sdk/node/probe.ts', '../../engine/createEngine.js', 'createEngine', "The Node SDK's client"],
  ])('refuses %s importing %s', async (file, specifier, name, message) => {
    const found = await problems(file, importing(specifier, name));
    expect(found.filter((p) => p.startsWith('import-x/no-restricted-paths') && p.includes(message))).toHaveLength(1);
  });

  it.each([
    ['src/decide/probe.ts', '../collect/Collector.js', 'Collector'],
    ['src/knowledge/probe.ts', '../workspaces/WorkspaceService.js', 'WorkspaceService'],
    ['src/sdk/browser/probe.ts', '../../api/decideSchemas.js', 'DecideResponse'],
    ['src/sdk/node/openEmbedded.ts', '../../engine/createEngine.js', 'createEngine'],
    ['src/server/probe.ts', '../engine/createEngine.js', 'createEngine'],
    ['src/store/probe.test.ts', '../engine/createEngine.js', 'createEngine'],
  ])('lets %s import %s', async (file, specifier, name) => {
    expect(await problems(file, importing(specifier, name))).toEqual([]);
  });
});

describe('the pure core (eslint.config.js)', () => {
  it('refuses an import from the shell', async () => {
    const found = await problems('src/core/rules/probe.ts', importing('../../store/ports.js', 'noSuchExport'));
    expect(found).toEqual([expect.stringMatching(/^import-x\/no-restricted-paths: .*src\/core is layer 0/)]);
  });

  it('refuses I/O modules, clocks and randomness', async () => {
    const code = "import { readFileSync } from 'node:fs';\nexport const used = [readFileSync, Date.now(), Math.random()];\n";
    const found = await problems('src/core/rules/probe.ts', code);
    expect(found.map((p) => p.split(':')[0])).toEqual(['no-restricted-imports', 'no-restricted-properties', 'no-restricted-properties']);
  });
});
