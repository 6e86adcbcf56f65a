import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Collector } from '../../src/collect/Collector.js';
import type { Clock, IdGenerator } from '../../src/core/common/ports.js';
import { defaultIdentitySettings } from '../../src/core/identity/types.js';
import { compileKnowledgeModel } from '../../src/core/knowledge/KnowledgeModel.js';
import { KnowledgeModels } from '../../src/knowledge/KnowledgeModels.js';
import { rebuildWorkspace, type RebuildProgress } from '../../src/knowledge/rebuild.js';
import type { Workspace } from '../../src/store/ports.js';
import type { ExperimentDefinition } from '../../src/core/experiments/ExperimentDefinition.js';
import { openStore, type EmbeddedStore } from '../../src/engine/openStore.js';
import { shopFeatures, shopSegments, shopStream, streamStart, type Delivery } from './fixtures/shopStream.js';
import { derivedState, derivedStateInFolder, type DerivedState } from './derivedState.js';
import { createWorkspaceIn, databasePath, killChildren, makeTempDir, removeTempDirs, runAttune, startServerChild } from './support.js';
import { trustedCaller } from '../../src/core/identity/identityCheck.js';

/**
 * The promise: features (and everything else derived from events) are updated with
 * each event in its commit, and `attune rebuild` recomputes all of it from the event log
 * with identical results. A realistic stream goes through the Collector (group commits with
 * several requests each, duplicates, rejections, merges, late and out-of-order events);
 * every derived table is snapshotted, the workspace is rebuilt, and the snapshots must be
 * equal, byte for byte in the JSON columns.
 */

afterEach(() => killChildren());
afterAll(() => removeTempDirs());

/** The snapshot once the state held in memory is written (the state store is written behind). */
async function snapshotOf(store: EmbeddedStore, workspaceId: string): Promise<DerivedState> {
  await store.flushState();
  return derivedState(store.db, workspaceId);
}

function snapshotFile(dataDir: string, workspaceId: string): DerivedState {
  return derivedStateInFolder(dataDir, workspaceId);
}

/** A clock the test sets to each request's arrival, and message ids from a counter. */
function fakeClock(): Clock & { set(ms: number): void } {
  let now = streamStart;
  return { now: () => now, set: (ms) => { now = ms; } };
}

function counterIds(): IdGenerator {
  let n = 0;
  return { next: () => `gen-${++n}` };
}

interface IngestTotals { accepted: number; duplicates: number; rejected: number; merges: number }

/** Collects the deliveries; those of one group are collected concurrently, so they share a group commit. */
async function ingest(collector: Collector, clock: ReturnType<typeof fakeClock>, workspace: Workspace, deliveries: readonly Delivery[], exposures: 'accept' | 'reject' = 'reject'): Promise<IngestTotals> {
  const totals = { accepted: 0, duplicates: 0, rejected: 0, merges: 0 };
  for (let i = 0; i < deliveries.length;) {
    const group = deliveries[i]!.group;
    const pending = [];
    while (i < deliveries.length && deliveries[i]!.group === group) {
      const d = deliveries[i++]!;
      clock.set(d.receivedAt);
      pending.push(collector.collect(workspace, { events: d.events, routeType: null, caller: trustedCaller, batchContext: d.batchContext ?? null, exposures }));
    }
    for (const report of await Promise.all(pending)) {
      totals.accepted += report.accepted;
      totals.duplicates += report.duplicates;
      totals.rejected += report.rejected.length;
      totals.merges += report.outcomes.filter((o) => o.outcome.kind === 'accepted' && o.outcome.mergedProfileId !== null).length;
    }
  }
  return totals;
}

async function openWithWorkspaces(dir: string, ids: readonly string[]): Promise<{ store: EmbeddedStore; workspaces: Workspace[] }> {
  const store = openStore({ path: join(dir, 'attune.db'), synchronous: 'normal', maxPendingEvents: 100_000 });
  const workspaces: Workspace[] = [];
  for (const id of ids) {
    const workspace: Workspace = { id, name: id, createdAt: streamStart, identity: defaultIdentitySettings };
    await store.workspaces.createWorkspace(workspace, []);
    workspaces.push(workspace);
  }
  return { store, workspaces };
}

async function modelOf(store: EmbeddedStore, workspaceId: string) {
  return compileKnowledgeModel({ features: await store.knowledgeConfig.listFeatures(workspaceId), segments: await store.knowledgeConfig.listSegments(workspaceId) });
}

describe('rebuild: replaying the event log gives identical derived state', () => {
  it('a mixed stream with merges, sessions, consent, late and out-of-order events: every derived table is equal after the rebuild', async () => {
    const { store, workspaces } = await openWithWorkspaces(makeTempDir('attune-rebuild-'), ['ws_shop', 'ws_other']);
    const [shop, other] = workspaces as [Workspace, Workspace];
    try {
      for (const ws of workspaces) await store.knowledgeConfig.saveDefinitions(ws.id, { putFeatures: shopFeatures, putSegments: shopSegments }, streamStart);
      const clock = fakeClock();
      const collector = new Collector({ committer: store.committer, clock, ids: counterIds(), models: new KnowledgeModels(store.knowledgeConfig, clock) });
      const totals = await ingest(collector, clock, shop, shopStream(7));
      await ingest(collector, clock, other, shopStream(8, 10, 10));

      const before = (await snapshotOf(store, shop.id));
      const otherBefore = (await snapshotOf(store, other.id));
      // The stream exercises what it should: enough of every kind of derived row.
      expect(totals.accepted).toBeGreaterThan(2000);
      expect(totals.duplicates).toBeGreaterThan(0);
      expect(totals.rejected).toBeGreaterThan(0);
      expect(before['profileMerges']!.length).toBeGreaterThan(5);
      expect(before['profileMerges']!.length).toBe(totals.merges);
      expect(before['consentChanges']!.length).toBeGreaterThan(5);
      const changes = before['segmentChanges']! as { segment_id: string; kind: string; reason: string | null }[];
      expect(changes.some((c) => c.kind === 'leave')).toBe(true);
      // Withdrawals of personalization happen in the stream: their exits replay too.
      expect(changes.some((c) => c.kind === 'leave' && c.reason === 'consent')).toBe(true);
      const entered = new Set(changes.filter((c) => c.kind === 'enter').map((c) => c.segment_id));
      expect([...entered].sort()).toEqual(shopSegments.map((s) => s.id).sort());
      // Events keep the profile they were stored with, so after merges some point at absorbed profiles.
      const absorbed = new Set((before['profileMerges']! as { absorbed_id: string }[]).map((m) => m.absorbed_id));
      expect((before['events']! as { profile_id: string }[]).some((e) => absorbed.has(e.profile_id))).toBe(true);
      const knowledge = (before['profiles']! as { knowledge: string }[]).map((p) => JSON.parse(p.knowledge) as { f?: Record<string, unknown> });
      for (const feature of shopFeatures) expect(knowledge.some((k) => Object.hasOwn(k.f ?? {}, feature.name)), feature.name).toBe(true);
      // Revenue sent as "n/a" is counted in the profiles' data quality (and replayed the same way below).
      const quality = await store.knowledge.dataQuality(shop.id);
      expect(quality.byProperty['properties.revenue']).toBeGreaterThan(0);

      const progress: RebuildProgress[] = [];
      const summary = await rebuildWorkspace(store, shop, await modelOf(store, shop.id), { chunkSize: 700, onProgress: (p) => progress.push(p) });
      const after = (await snapshotOf(store, shop.id));

      for (const table of Object.keys(before)) expect(after[table], table).toEqual(before[table]);
      expect(after).toEqual(before);
      expect((await snapshotOf(store, other.id))).toEqual(otherBefore);
      expect(await store.knowledge.dataQuality(shop.id)).toEqual(quality);

      const live = (before['profiles']! as { merged_into: string | null }[]).filter((p) => p.merged_into === null).length;
      expect(summary).toMatchObject({ workspaceId: shop.id, events: totals.accepted, profiles: live, merges: totals.merges });
      expect(progress[0]).toEqual({ done: 0, total: totals.accepted });
      expect(progress.at(-1)).toEqual({ done: totals.accepted, total: totals.accepted });
      expect(progress.length).toBe(1 + Math.ceil(totals.accepted / 700));
      expect(progress.every((p, i) => i === 0 || p.done > progress[i - 1]!.done)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('repairs derived state that was damaged, and a second rebuild changes nothing', async () => {
    const { store, workspaces } = await openWithWorkspaces(makeTempDir('attune-rebuild-'), ['ws_shop']);
    const shop = workspaces[0]!;
    try {
      await store.knowledgeConfig.saveDefinitions(shop.id, { putFeatures: shopFeatures, putSegments: shopSegments }, streamStart);
      const clock = fakeClock();
      const collector = new Collector({ committer: store.committer, clock, ids: counterIds(), models: new KnowledgeModels(store.knowledgeConfig, clock) });
      await ingest(collector, clock, shop, shopStream(11, 20, 20));
      const before = (await snapshotOf(store, shop.id));
      // The stream's responses to decisions are counted, and caps are in the knowledge.
      expect(before['actionOutcomes']!.length).toBeGreaterThan(0);
      expect(before['profiles']!.some((p) => String(p['knowledge']).includes('"k":'))).toBe(true);

      store.db.exec(`
        UPDATE profiles SET traits = '{"plan":"hacked"}' WHERE substr(id, -1) IN ('0', '1', '2', '3', '4');
        UPDATE profile_knowledge SET state = '{}', packed = NULL WHERE substr(profile_id, -1) IN ('0', '1', '2', '3', '4');
        DELETE FROM identities WHERE value LIKE '%1%';
        DELETE FROM segment_members WHERE profile_id LIKE '%a%';
        UPDATE action_outcomes SET impressions = impressions + 7;
        INSERT INTO segment_changes (workspace_id, segment_id, profile_id, kind, at) VALUES ('ws_shop', 'buyers', 'p_x', 'enter', 1);
        UPDATE events SET profile_id = 'p_wrong' WHERE seq % 5 = 0;
      `);
      expect((await snapshotOf(store, shop.id))).not.toEqual(before);

      const model = await modelOf(store, shop.id);
      await rebuildWorkspace(store, shop, model, { chunkSize: 1 + Math.floor(before['events']!.length / 3) });
      expect((await snapshotOf(store, shop.id))).toEqual(before);
      await rebuildWorkspace(store, shop, model);
      expect((await snapshotOf(store, shop.id))).toEqual(before);
    } finally {
      await store.close();
    }
  });

  it('experiments: exposures and outcomes aggregate as events arrive, and a rebuild recomputes the arms\' statistics exactly', async () => {
    const { store, workspaces } = await openWithWorkspaces(makeTempDir('attune-rebuild-'), ['ws_shop']);
    const shop = workspaces[0]!;
    try {
      await store.knowledgeConfig.saveDefinitions(shop.id, { putFeatures: shopFeatures, putSegments: shopSegments }, streamStart);
      const experiment: ExperimentDefinition = {
        id: 'hero', placement: 'home', primaryMetric: 'revenue', guardrailMetrics: ['conversion', 'ctr'],
        arms: [{ id: 'generic', weight: 0.5, serve: { kind: 'generic' } }, { id: 'personalized', weight: 0.5, serve: { kind: 'personalized' } }],
      };
      await store.experiments.putExperiment(shop.id, experiment, streamStart);
      // A bandit experiment: its exposures carry the probability, and its units feed the `_ipw.` rows.
      const bandit: ExperimentDefinition = {
        id: 'side', placement: 'side', primaryMetric: 'conversion', allocation: { mode: 'bandit' },
        arms: [{ id: 'a', weight: 0.5, serve: { kind: 'generic' } }, { id: 'b', weight: 0.5, serve: { kind: 'personalized' } }],
      };
      await store.experiments.putExperiment(shop.id, bandit, streamStart);
      await store.experiments.putMetric(shop.id, { id: 'big-orders', kind: 'count', event: 'Order Completed', where: 'event.properties.revenue > 100' }, streamStart);
      await store.experiments.setMeasurement(shop.id, { holdoutShare: 0.1 });
      const clock = fakeClock();
      const collector = new Collector({ committer: store.committer, clock, ids: counterIds(), models: new KnowledgeModels(store.knowledgeConfig, clock, { experiments: store.experiments }) });
      // Exposures first (some repeated, some to another arm: the first one counts), then the shop's stream with its orders and decision responses.
      const users = Array.from({ length: 60 }, (_, i) => `user-${i}`);
      const exposure = (userId: string, experimentId: string, armId: string, at: number, probability?: number) => ({
        type: 'track', userId, event: 'Experiment Viewed', timestamp: new Date(at).toISOString(), messageId: `x-${userId}-${experimentId}-${armId}`,
        properties: { experiment_id: experimentId, variation_id: armId, ...(probability === undefined ? {} : { assignment_probability: probability, weights_version: 1 + (probability === 0.5 ? 0 : 1) }) },
      });
      const exposures: Delivery[] = users.map((userId, i) => ({
        group: -1 - i, receivedAt: streamStart + i * 1000,
        events: [
          exposure(userId, 'hero', i % 2 === 0 ? 'generic' : 'personalized', streamStart + i * 1000),
          exposure(userId, 'hero', 'personalized', streamStart + i * 1000 + 1),
          exposure(userId, '_program', i % 10 === 0 ? 'holdout' : 'personalized', streamStart + i * 1000),
          exposure(userId, 'side', i % 3 === 0 ? 'a' : 'b', streamStart + i * 1000, i < 20 ? 0.5 : i % 3 === 0 ? 0.2 : 0.8),
          { type: 'track', userId, event: 'Order Completed', timestamp: new Date(streamStart + i * 1000 + 5).toISOString(), messageId: `o-${userId}`, properties: { revenue: 20 + 7 * i } },
        ],
      }));
      // As DecisionService logs them (the public routes refuse exposures to Attune's experiments).
      await ingest(collector, clock, shop, exposures, 'accept');
      await ingest(collector, clock, shop, shopStream(29, 60, 20));
      const before = (await snapshotOf(store, shop.id));
      const stats = before['experimentStats']! as { experiment_id: string; arm_id: string; metric_id: string; n: number }[];
      const units = (id: string, arm: string) => stats.find((r) => r.experiment_id === id && r.arm_id === arm && r.metric_id === '_units')?.n;
      expect(units('hero', 'generic')).toBe(30);
      expect(units('hero', 'personalized')).toBe(30);
      expect(units('_program', 'holdout')).toBe(6);
      expect(stats.filter((r) => r.metric_id === 'revenue').every((r) => r.n === 30 || r.experiment_id !== 'hero')).toBe(true);
      // Each row's last daily snapshot is its running total (the rebuild below compares the days too).
      const days = before['experimentDaily']! as { experiment_id: string; arm_id: string; metric_id: string; n: number; mean_x: number }[];
      for (const r of stats as { experiment_id: string; arm_id: string; metric_id: string; n: number; mean_x: number }[]) {
        const last = days.filter((d) => d.experiment_id === r.experiment_id && d.arm_id === r.arm_id && d.metric_id === r.metric_id).at(-1);
        expect([last?.n, last?.mean_x]).toEqual([r.n, r.mean_x]);
      }
      // Every bandit unit is in its arm's _ipw rows (single metrics only), and nobody else is.
      expect(units('side', 'a')).toBe(20);
      for (const arm of ['a', 'b']) expect(stats.find((r) => r.experiment_id === 'side' && r.arm_id === arm && r.metric_id === '_ipw.conversion')?.n).toBe(units('side', arm));
      expect(stats.some((r) => r.metric_id.startsWith('_ipw.') && r.experiment_id !== 'side')).toBe(false);
      expect(stats.some((r) => r.metric_id === '_ipw.ctr')).toBe(false);
      // Everyone ordered: arm a's 7 units at p = 0.5 add 2 each, its 13 at p = 0.2 add 5 each.
      const ipwA = stats.find((r) => r.experiment_id === 'side' && r.arm_id === 'a' && r.metric_id === '_ipw.conversion') as { n: number; mean_x: number } | undefined;
      expect(ipwA!.n * ipwA!.mean_x).toBeCloseTo(7 * 2 + 13 * 5, 9);

      const model = compileKnowledgeModel({
        features: await store.knowledgeConfig.listFeatures(shop.id), segments: await store.knowledgeConfig.listSegments(shop.id),
        experiments: { experiments: [experiment, bandit], metrics: await store.experiments.listMetrics(shop.id), measurement: await store.experiments.measurement(shop.id), workspaceId: shop.id },
      });
      store.db.exec("UPDATE experiment_stats SET n = n + 3, mean_x = 0 WHERE metric_id IN ('revenue', '_ipw.conversion')");
      await rebuildWorkspace(store, shop, model, { chunkSize: 500 });
      expect((await snapshotOf(store, shop.id))).toEqual(before);
    } finally {
      await store.close();
    }
  });

  it('a rebuild after new definitions backfills them: the same state as collecting with them from the start', async () => {
    const deliveries = shopStream(23, 25, 30);
    const run = async (upFront: boolean) => {
      const { store, workspaces } = await openWithWorkspaces(makeTempDir('attune-rebuild-'), ['ws_shop']);
      const shop = workspaces[0]!;
      try {
        const all = { putFeatures: shopFeatures, putSegments: shopSegments };
        // Late: only some of the definitions while collecting, the rest loaded afterwards.
        await store.knowledgeConfig.saveDefinitions(shop.id, upFront ? all : { putFeatures: shopFeatures.slice(0, 3), putSegments: shopSegments.slice(0, 1) }, streamStart);
        const clock = fakeClock();
        const collector = new Collector({ committer: store.committer, clock, ids: counterIds(), models: new KnowledgeModels(store.knowledgeConfig, clock) });
        await ingest(collector, clock, shop, deliveries);
        if (!upFront) {
          await store.knowledgeConfig.saveDefinitions(shop.id, all, streamStart);
          await rebuildWorkspace(store, shop, await modelOf(store, shop.id));
        }
        return (await snapshotOf(store, shop.id));
      } finally {
        await store.close();
      }
    };
    const collected = await run(true);
    const backfilled = await run(false);
    expect(backfilled).toEqual(collected);
  });
});

/** The stream as a JSONL file for `attune import events`: without sentAt (history keeps its own times), without invalid rows. */
function streamAsJsonl(deliveries: readonly Delivery[]): string {
  const lines: string[] = [];
  for (const d of deliveries) {
    for (const event of d.events) {
      if (typeof event['messageId'] !== 'string') continue;
      const { sentAt: _sentAt, ...rest } = event;
      lines.push(JSON.stringify(rest));
    }
  }
  return `${lines.join('\n')}\n`;
}

describe('the CLI: features load, segments load, rebuild', () => {
  it('loads JSON and YAML definitions, refuses a bad file with a precise error, and rebuilds with a summary', async () => {
    const dir = makeTempDir('attune-rebuild-cli-');
    const { id } = await createWorkspaceIn(dir, 'shop');
    const write = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    const data = ['--data', dir];

    // Features as a JSON list.
    const featuresJson = write('features.json', JSON.stringify(shopFeatures, null, 2));
    const features = await runAttune(['features', 'load', featuresJson, ...data]);
    expect(features.stderr).toBe('');
    expect(features.code).toBe(0);
    expect(features.stdout).toContain(`features of ${id}: ${shopFeatures.length} created, 0 updated, 0 unchanged, 0 deleted`);
    expect(features.stdout).toContain('attune rebuild');

    // Segments as YAML: an object with a segments list, comments, a folded rule.
    const segmentsYaml = write('segments.yaml', `# The shop's segments\n${stringify({ segments: shopSegments })}`);
    const segments = await runAttune(['segments', 'load', segmentsYaml, ...data, '--json']);
    expect(segments.code).toBe(0);
    expect(JSON.parse(segments.stdout)).toMatchObject({ workspace: id, kind: 'segments', created: shopSegments.length, updated: 0, deleted: 0 });
    const again = await runAttune(['segments', 'load', segmentsYaml, ...data, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ created: 0, updated: 0, unchanged: shopSegments.length, deleted: 0 });

    // A rule that does not compile: file, line and column of the item, pointer, segment, and the rule's caret.
    const bad = write('bad-segments.yml', [
      'segments:',
      '  - id: buyers',
      '    name: Buyers',
      '    rule: features.orders_30d >= 1',
      '  - id: heavy_buyers',
      '    name: Heavy buyers',
      '    rule: |',
      '      in_segment("buyers")',
      '        and features.orders_3d > 5',
      '',
    ].join('\n'));
    const refused = await runAttune(['segments', 'load', bad, ...data]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(`${bad}: 1 fault; nothing was saved`);
    expect(refused.stderr).toContain(`${bad}:7:11: /segments/1/rule (segment "heavy_buyers"): unknown field "features.orders_3d"; did you mean "features.orders_30d"? (line 2, column 7)`);
    expect(refused.stderr).toContain('\n      and features.orders_3d > 5\n          ^^^^^^^^^^^^^^^^^^\n');

    // Schema faults in JSON, all of them at once, with the item's place in the file.
    const badJson = write('bad-features.json', JSON.stringify([
      { name: 'ok_feature', aggregate: 'count' },
      { name: 'Weekly', aggregate: 'count', window: '1 week' },
      { name: 'avg', aggregate: 'average', property: 'properties.revenue' },
    ], null, 2));
    const schemaFaults = await runAttune(['features', 'load', badJson, ...data]);
    expect(schemaFaults.code).toBe(2);
    expect(schemaFaults.stderr).toContain(`${badJson}: 3 faults; nothing was saved`);
    expect(schemaFaults.stderr).toMatch(/bad-features\.json:\d+:\d+: \/1\/name \(feature "Weekly"\): must match pattern/);
    expect(schemaFaults.stderr).toMatch(/bad-features\.json:\d+:\d+: \/1\/window \(feature "Weekly"\): must match pattern/);
    expect(schemaFaults.stderr).toMatch(/bad-features\.json:\d+:\d+: \/2\/aggregate \(feature "avg"\): must be one of "count", "sum"/);

    // --replace would delete a feature that stored segments read: refused, naming the segment.
    const fewer = write('fewer.json', JSON.stringify({ features: shopFeatures.slice(1) }));
    const replace = await runAttune(['features', 'load', fewer, '--replace', ...data]);
    expect(replace.code).toBe(2);
    expect(replace.stderr).toContain('the stored segment "buyers" (not in this file) would no longer compile');
    const unchanged = await runAttune(['features', 'load', featuresJson, ...data, '--json']);
    expect(JSON.parse(unchanged.stdout)).toMatchObject({ created: 0, updated: 0, unchanged: shopFeatures.length, deleted: 0 });

    // Events, then a rebuild: the summary adds up and the derived state is the same as collected.
    const deliveries = shopStream(5, 15, 20);
    const imported = await runAttune(['import', 'events', write('events.jsonl', streamAsJsonl(deliveries)), ...data, '--json']);
    expect(imported.code).toBe(0);
    const stored = (JSON.parse(imported.stdout) as { accepted: number }).accepted;
    expect(stored).toBeGreaterThan(200);
    const before = snapshotFile(dir, id);

    const rebuilt = await runAttune(['rebuild', ...data, '--json']);
    expect(rebuilt.stderr).toBe('');
    expect(rebuilt.code).toBe(0);
    const summary = JSON.parse(rebuilt.stdout) as { workspaces: { workspace: string; events: number; profiles: number; merges: number; seconds: number }[]; events: number };
    const live = (before['profiles']! as { merged_into: string | null }[]).filter((p) => p.merged_into === null).length;
    expect(summary.workspaces).toEqual([{ workspace: id, events: stored, profiles: live, merges: before['profileMerges']!.length, seconds: expect.any(Number) }]);
    expect(summary.events).toBe(stored);
    expect(snapshotFile(dir, id)).toEqual(before);

    // Changing a feature clears it on every profile (as the admin API does); a rebuild fills it in again.
    const changed = write('changed.yaml', stringify([{ ...shopFeatures[0]!, window: '60d' }]));
    const change = await runAttune(['features', 'load', changed, ...data]);
    expect(change.code).toBe(0);
    expect(change.stdout).toContain(`features of ${id}: 0 created, 1 updated, 0 unchanged, 0 deleted\n  updated  orders_30d\n`);
    expect(change.stdout).toContain('Cleared on every profile (the definition changed): orders_30d\n');
    expect(change.stdout).toMatch(new RegExp(`\\n${live} profiles evaluated: \\d+ segment entries, \\d+ exits\\n`));
    expect(change.stdout).toContain('stop the server and run: attune rebuild\n');

    const text = await runAttune(['rebuild', '--workspace', id, ...data]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^${id} \\(shop\\): ${stored.toLocaleString('en')} events replayed, ${live} profiles, \\d+ merges in [\\d.]+ s\\n$`));
    const unknown = await runAttune(['rebuild', '--workspace', 'ws_nope', ...data]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('ATTUNE_WORKSPACE_NOT_FOUND');
  }, 120_000);

  it('refuses to rebuild while a server has the data folder open', async () => {
    const dir = makeTempDir('attune-rebuild-busy-');
    await createWorkspaceIn(dir, 'shop');
    const server = await startServerChild(dir);
    const refused = await runAttune(['rebuild', '--data', dir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('ATTUNE_DATA_FOLDER_IN_USE');
    expect(refused.stderr).toContain('is in use by `attune serve`');
    server.child.kill('SIGTERM');
    await server.exited;
    const rebuilt = await runAttune(['rebuild', '--data', dir, '--json']);
    expect(rebuilt.code).toBe(0);
    expect(JSON.parse(rebuilt.stdout)).toMatchObject({ events: 0, profiles: 0, merges: 0 });
  }, 60_000);
  it('repairs a state that is ahead of its log: a rebuild of one workspace refuses, a rebuild of every workspace fixes it', async () => {
    const dir = makeTempDir('attune-rebuild-ahead-');
    const shop = await createWorkspaceIn(dir, 'shop');
    const db = new Database(databasePath(dir));
    db.prepare('UPDATE state_checkpoint SET seq = 1000').run();
    db.close();
    const refused = await runAttune(['rebuild', '--data', dir, '--workspace', shop.id]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('ATTUNE_STATE_AHEAD_OF_LOG');
    const rebuilt = await runAttune(['rebuild', '--data', dir, '--json']);
    expect(rebuilt.stderr).not.toContain('ATTUNE_');
    expect(rebuilt.code).toBe(0);
    const check = new Database(databasePath(dir), { readonly: true });
    expect(check.prepare('SELECT seq FROM state_checkpoint').pluck().get()).toBe(0);
    check.close();
  }, 60_000);
});
