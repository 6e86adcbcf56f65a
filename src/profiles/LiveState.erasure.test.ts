import { afterEach, describe, expect, it } from 'vitest';
import { defaultIdentitySettings } from '../core/identity/types.js';
import { emptyKnowledge } from '../core/knowledge/KnowledgeState.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/openSqliteStore.js';
import { DedupeWindow } from './DedupeWindow.js';
import { LiveState, NotPreloadedError } from './LiveState.js';

const ws = 'ws1';
const ada = { kind: 'user' as const, value: 'ada' };
const adaDevice = { kind: 'anonymous' as const, value: 'ada-device' };
const bob = { kind: 'user' as const, value: 'bob' };
let store: SqliteStore | undefined;

afterEach(async () => {
  await store?.close();
  store = undefined;
});

describe('LiveState.erasePerson', () => {
  it('forgets the person with every unwritten change that names them, so the next batch cannot bring them back', async () => {
    store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
    await store.workspaces.createWorkspace({ id: ws, name: 'One', createdAt: 0, identity: defaultIdentitySettings }, []);
    const state = new LiveState(store.state, new DedupeWindow(86_400_000), 0, Number.MAX_SAFE_INTEGER);
    await state.load({ workspaceId: ws, keys: [ada, adaDevice, bob], armStats: true }).then((p) => state.unpin(p));
    // Ada (two profiles, one merged away) and Bob, none of it written yet.
    state.createProfile(ws, 'p-ada', 1);
    state.createProfile(ws, 'p-ada-old', 1);
    state.createProfile(ws, 'p-bob', 1);
    state.linkIdentity(ws, ada, 'p-ada', 1);
    state.linkIdentity(ws, adaDevice, 'p-ada-old', 1);
    state.linkIdentity(ws, bob, 'p-bob', 1);
    state.absorbProfile(ws, state.loadProfileState(ws, 'p-ada'), 'p-ada-old', 2);
    state.recordSegmentChanges(ws, 'p-ada', [{ segment: 'vip', kind: 'enter', at: 2 }]);
    state.recordConsentChanges(ws, 'p-ada', [{ purpose: 'personalization', granted: true, source: 'context', at: 2 }]);
    // Ada is a unit of experiment e1 with a revenue of 10, beside another unit with 4.
    state.saveKnowledge(ws, 'p-ada', { ...emptyKnowledge(), x: { e1: { a: 'treated', t: 2, v: { revenue: 10 } } } });
    state.updateExperimentStats(ws, [
      { experimentId: 'e1', armId: 'treated', metricId: '_units', before: null, after: [0, 0] },
      { experimentId: 'e1', armId: 'treated', metricId: '_units', before: null, after: [0, 0] },
      { experimentId: 'e1', armId: 'treated', metricId: 'revenue', before: null, after: [10, 0] },
      { experimentId: 'e1', armId: 'treated', metricId: 'revenue', before: null, after: [4, 0] },
    ], 2);

    expect(state.erasePerson(ws, ['p-ada', 'p-ada-old'], [ada, adaDevice])).toBe(1);
    expect(state.profileOf(ws, ada)).toBeUndefined();
    expect(state.profileOf(ws, adaDevice)).toBeUndefined();
    expect(state.resolve(ws, 'p-ada')).toBeUndefined();
    // p-ada was the last profile the job looked up: it is not found any more either.
    expect(() => state.loadKnowledge(ws, 'p-ada')).toThrow(NotPreloadedError);

    const batch = state.takeBatch();
    const text = JSON.stringify(batch);
    for (const gone of ['p-ada', 'ada-device', '"ada"']) expect(text).not.toContain(gone);
    expect(batch.profiles.map((p) => p.id)).toEqual(['p-bob']);
    expect(batch.identities.map((i) => i.key.value)).toEqual(['bob']);
    expect(batch.merges).toEqual([]);
    const stats = Object.fromEntries(batch.armStats.map((r) => [r.metricId, r.moments]));
    expect(stats['_units']?.n).toBe(1);
    expect(stats['revenue']).toMatchObject({ n: 1, meanX: 4, m2X: 0 });
    // The day of the totals is rewritten from them: the last day never holds the erased unit.
    const days = batch.armDays.map((r) => [r.day, r.metricId, r.moments.n, r.moments.meanX]);
    expect(days).toEqual([['1970-01-01', '_units', 1, 0], ['1970-01-01', 'revenue', 1, 4]]);
  });
});
