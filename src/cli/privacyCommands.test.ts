import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, type AttuneConfig } from '../config/config.js';
import { seededRandom } from '../core/common/random.js';
import { trustedCaller } from '../core/identity/identityCheck.js';
import { createEngine } from '../engine/createEngine.js';
import { openStore } from './openStore.js';
import { privacyCommand } from './privacyCommands.js';
import { systemClock, uuidIds } from './systemClock.js';

/** `attune privacy ...` in process: the same service as the API, on a data folder it takes. */
describe('attune privacy', () => {
  let dataDir: string;
  let config: AttuneConfig;
  let printed: string[];
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'attune-privacy-cli-'));
    config = loadConfig({ dataDir }, {});
    const store = openStore(config, 'test');
    const engine = createEngine({ store, clock: systemClock, ids: uuidIds, random: seededRandom(1), decisionSampleRate: 1 });
    const ws = await engine.workspaces.create('cli', { verification: false }, 'ws_cli');
    const report = await engine.collector.collect((await store.workspaces.getWorkspace(ws.id))!, {
      caller: trustedCaller, routeType: null, events: [{ type: 'identify', userId: 'cli-user-1', anonymousId: 'cli-anon-1', traits: { plan: 'cli-gold' } }],
    });
    expect(report).toMatchObject({ accepted: 1, rejected: [] });
    await store.close();
    printed = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (printed.push(String(chunk)), true));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const last = () => JSON.parse(printed.at(-1)!) as Record<string, unknown>;

  it('exports, then erases with a receipt of hashes, and suppresses the person', async () => {
    await privacyCommand(config, 'export', { anonymousId: 'cli-anon-1' });
    expect(last()).toMatchObject({ found: true, traits: { plan: 'cli-gold' } });

    await privacyCommand(config, 'erase', { userId: 'cli-user-1' });
    const receipt = last();
    expect(receipt).toMatchObject({ found: true, removed: { events: 1, identities: 2 }, verification: { clean: true } });
    expect(JSON.stringify(receipt)).not.toContain('cli-user-1');

    await privacyCommand(config, 'export', { userId: 'cli-user-1' });
    expect(last()).toMatchObject({ found: false, events: [] });
    await privacyCommand(config, 'unsuppress', { userId: 'cli-user-1' });
    expect(last()).toMatchObject({ changed: 1 });
  });

  it('refuses no person or two, naming the flag', async () => {
    await expect(privacyCommand(config, 'erase', {})).rejects.toMatchObject({ code: 'ATTUNE_INVALID_REQUEST', field: '--user-id' });
    await expect(privacyCommand(config, 'suppress', { userId: 'u', profileId: 'p' })).rejects.toMatchObject({ code: 'ATTUNE_INVALID_REQUEST', field: '--profile-id' });
  });
});
