import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, type AttuneConfig } from '../config/config.js';
import { seededRandom } from '../core/common/random.js';
import { trustedCaller } from '../core/identity/identityCheck.js';
import { createEngine } from '../engine/createEngine.js';
import { openStore } from './openStore.js';
import { retentionPurgeCommand } from './retentionCommands.js';
import { systemClock, uuidIds } from './systemClock.js';

/** `attune retention purge` in process: the same service as the API, on a data folder it takes. */
describe('attune retention purge', () => {
  let dataDir: string;
  let config: AttuneConfig;
  let printed: string[];
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'attune-retention-cli-'));
    config = loadConfig({ dataDir }, {});
    const store = openStore(config, 'test');
    const engine = createEngine({ store, clock: systemClock, ids: uuidIds, random: seededRandom(1), decisionSampleRate: 1 });
    for (const id of ['ws_quiet', 'ws_keeps']) {
      await engine.workspaces.create(id, { verification: false }, id);
      const report = await engine.collector.collect((await store.workspaces.getWorkspace(id))!, {
        caller: trustedCaller, routeType: null, events: [{ type: 'track', userId: 'cli-user', event: 'Seen', context: { consent: { categoryPreferences: { analytics: false } } } }],
      });
      expect(report).toMatchObject({ accepted: 1 });
    }
    await engine.retention.setPolicy('ws_quiet', { withoutAnalytics: { keepDays: 0 } });
    await store.close();
    // The cut-off of 0 days is the purge's instant: the event must be older than it.
    await new Promise((resolve) => setTimeout(resolve, 5));
    printed = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (printed.push(String(chunk)), true));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const last = () => JSON.parse(printed.at(-1)!) as { workspaceId: string; dryRun: boolean; events: { removed: number; withoutAnalytics: number } }[];

  it('reports with --dry-run, then purges every workspace by its own policy', async () => {
    await retentionPurgeCommand(config, { dryRun: true });
    const dry = Object.fromEntries(last().map((r) => [r.workspaceId, r]));
    expect(dry).toMatchObject({ ws_keeps: { dryRun: true, events: { removed: 0 } }, ws_quiet: { dryRun: true, events: { removed: 1, withoutAnalytics: 1 } } });
    await retentionPurgeCommand(config, { workspace: 'ws_quiet', dryRun: false });
    expect(last()).toMatchObject([{ workspaceId: 'ws_quiet', dryRun: false, events: { removed: 1 } }]);
    await retentionPurgeCommand(config, { dryRun: false });
    expect(last().map((r) => r.events.removed)).toEqual([0, 0]);
  });

  it('refuses an unknown workspace', async () => {
    await expect(retentionPurgeCommand(config, { workspace: 'nope', dryRun: false })).rejects.toMatchObject({ code: 'ATTUNE_WORKSPACE_NOT_FOUND' });
  });
});
