import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FeatureDefinition } from '../../core/features/FeatureDefinition.js';
import { defaultIdentitySettings } from '../../core/identity/types.js';
import { stateBatch } from '../contract/shared.contract.js';
import { openSqliteStore, type SqliteStore } from './openSqliteStore.js';

describe('SqliteKnowledgeStore.saveDefinitions', () => {
  let store: SqliteStore;
  const count: FeatureDefinition = { name: 'views', aggregate: 'count', types: ['page'] };
  const sum: FeatureDefinition = { name: 'spend', aggregate: 'sum', property: 'properties.revenue' };
  const viewers = { id: 'viewers', name: 'Viewers', rule: 'features.views >= 1' };

  beforeEach(async () => {
    store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
    for (const id of ['ws', 'other']) await store.workspaces.createWorkspace({ id, name: id, createdAt: 1, identity: defaultIdentitySettings }, []);
  });
  afterEach(async () => { await store.close(); });

  it('puts and deletes in one commit with one version bump, and says what became of each', async () => {
    const config = store.knowledgeConfig;
    expect(await config.saveDefinitions('ws', { putFeatures: [count, sum], putSegments: [viewers] }, 10))
      .toEqual({ features: { views: 'created', spend: 'created' }, segments: { viewers: 'created' } });
    expect(await config.configVersion('ws')).toBe(1);
    expect(await config.saveDefinitions('ws', { putFeatures: [count, { ...sum, window: '7d' }], deleteSegments: ['viewers', 'nope'], deleteFeatures: ['nope'] }, 20))
      .toEqual({ features: { views: 'unchanged', spend: 'updated' }, segments: { viewers: 'deleted' } });
    expect(await config.configVersion('ws')).toBe(2);
    // Listed by creation time, then name.
    expect(await config.listFeatures('ws')).toEqual([{ ...sum, window: '7d' }, count]);
    expect(await config.listSegments('ws')).toEqual([]);
    expect(await config.listFeatures('other')).toEqual([]);
    expect(await config.configVersion('other')).toBe(0);
  });

  it('changes nothing, not even the version, when everything is as stored', async () => {
    await store.knowledgeConfig.saveDefinitions('ws', { putFeatures: [count] }, 10);
    expect(await store.knowledgeConfig.saveDefinitions('ws', { putFeatures: [count], deleteSegments: ['none'] }, 20)).toEqual({ features: { views: 'unchanged' }, segments: {} });
    expect(await store.knowledgeConfig.configVersion('ws')).toBe(1);
  });

  it('drops the member rows of a deleted segment', async () => {
    await store.knowledgeConfig.saveDefinitions('ws', { putFeatures: [count], putSegments: [viewers] }, 10);
    await store.state.write(stateBatch({ segmentChanges: [{ workspaceId: 'ws', profileId: 'p1', change: { segment: 'viewers', kind: 'enter', at: 5 } }] }));
    expect(await store.knowledge.segmentSize('ws', 'viewers')).toBe(1);
    await store.knowledgeConfig.saveDefinitions('ws', { deleteSegments: ['viewers'] }, 20);
    expect(await store.knowledge.segmentSize('ws', 'viewers')).toBe(0);
  });
});
