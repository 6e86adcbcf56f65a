import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { configVariables } from '../../src/config/config.js';
import { errorCodes } from '../../src/core/errors/errorCodes.js';

// Docs that the code keeps honest: a code, command or setting added without its doc fails here.
const root = join(import.meta.dirname, '..', '..');
const errorsDoc = readFileSync(join(root, 'docs', 'errors.md'), 'utf8');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

function commandPaths(command: Command, prefix: string[] = []): string[] {
  return command.commands.flatMap((sub) => {
    const path = [...prefix, sub.name()];
    return sub.commands.length > 0 ? commandPaths(sub, path) : [path.join(' ')];
  });
}

describe('docs/errors.md', () => {
  it.each(Object.entries(errorCodes))('documents %s with its status', (code, { status }) => {
    expect(errorsDoc).toMatch(new RegExp(`\\| \`${code}\` \\| ${status} \\|`));
  });

  it('lists no code that does not exist', () => {
    const documented = [...errorsDoc.matchAll(/\| `(ATTUNE_[A-Z_]+)` \|/g)].map((m) => m[1]);
    expect(documented.filter((code) => !(code! in errorCodes))).toEqual([]);
  });
});

describe('README', () => {
  it.each(commandPaths(buildProgram()))('documents the command "attune %s"', (path) => {
    expect(readme).toContain(`\`attune ${path}`);
  });

  it.each(Object.values(configVariables))('documents the setting %s', (variable) => {
    expect(readme).toContain(`\`${variable}\``);
  });

  it('gives the set-up and test commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });
});
