import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { testPassword } from '../http/accessHelpers.js';

/** Where the studio's browser tests save screenshots (ignored by git). */
export const screenshots = fileURLToPath(new URL('./screenshots/', import.meta.url));
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation { readonly id: string; readonly impact: string | null; readonly help: string; readonly nodes: readonly { readonly target: readonly unknown[] }[] }

/** axe-core's violations of impact serious or critical on the page as it is now. */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated over DevTools, not a script tag: the studio's CSP allows no inline script.
  await page.evaluate(axeSource);
  const violations = await page.evaluate<AxeViolation[]>('axe.run(document).then((r) => r.violations)');
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

/** Signs in through the studio's sign-in page with the test password. */
export async function signIn(page: Page, base: string, workspaceId: string, email: string): Promise<void> {
  await page.goto(`${base}/studio`);
  await page.getByLabel('Workspace id').fill(workspaceId);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(testPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in-user').waitFor({ timeout: 15_000 });
}
