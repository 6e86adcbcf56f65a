import type { AttuneConfig } from '../config/config.js';
import { configWorkspaces, openConfigStore } from './openStore.js';

export async function createWorkspaceCommand(config: AttuneConfig, name: string, json: boolean): Promise<void> {
  const store = openConfigStore(config);
  try {
    const created = await configWorkspaces(store).create(name);
    if (json) process.stdout.write(`${JSON.stringify({ id: created.id, writeKey: created.writeKey, secretKey: created.secretKey, identitySecret: created.identitySecret })}\n`);
    else {
      process.stdout.write(`Workspace "${created.name}" created: ${created.id}\n`);
      process.stdout.write(`  write key  (collect events):        ${created.writeKey}\n`);
      process.stdout.write(`  secret key (administer, keep safe): ${created.secretKey}\n`);
      process.stdout.write(`  identity secret (sign user ids):    ${created.identitySecret}\n`);
      process.stdout.write('The keys and the secret are shown only now (identity verification is on: see attune identity).\n');
    }
  } finally {
    await store.close();
  }
}

export async function listWorkspacesCommand(config: AttuneConfig, json: boolean): Promise<void> {
  const store = openConfigStore(config);
  try {
    const list = await store.workspaces.listWorkspaces();
    if (json) process.stdout.write(`${JSON.stringify(list.map((w) => ({ id: w.id, name: w.name, createdAt: new Date(w.createdAt).toISOString() })))}\n`);
    else for (const w of list) process.stdout.write(`${w.id}  ${w.name}  (created ${new Date(w.createdAt).toISOString()})\n`);
  } finally {
    await store.close();
  }
}
