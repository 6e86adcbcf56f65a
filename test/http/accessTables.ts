import { accessMatrix, allGrants, grantName } from '../../src/core/access/accessMatrix.js';
import { permissionDescriptions, permissions } from '../../src/core/access/permissions.js';
import type { RegisteredRoute } from '../../src/server/access.js';

/** The tables of docs/access.md, generated from the core's matrix and the server's route table (permissionMatrix.test.ts checks them). */

/** The role and scope matrix as docs/access.md shows it. */
export function matrixTable(): string {
  const names = allGrants.map(grantName);
  const header = `| permission | ${names.map((n) => `\`${n}\``).join(' | ')} | what it allows |\n|---|${names.map(() => ':-:').join('|')}|---|\n`;
  return header + permissions.map((p) => `| \`${p}\` | ${names.map((n) => (accessMatrix[n].includes(p) ? 'yes' : '')).join(' | ')} | ${permissionDescriptions[p]} |\n`).join('');
}

/** Every route with its access, HEAD routes left out (each follows its GET). */
export function routeTable(routes: readonly RegisteredRoute[]): string {
  const rows = routes.filter((r) => r.method !== 'HEAD').map((r) => `| \`${r.method} ${r.url}\` | \`${r.access}\` |`);
  return `| route | access |\n|---|---|\n${[...new Set(rows)].sort().join('\n')}\n`;
}
