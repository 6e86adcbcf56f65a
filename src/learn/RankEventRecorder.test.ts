import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sequentialIds, type Clock } from '../core/common/ports.js';
import { seededRandom } from '../core/common/random.js';
import { defaultIdentitySettings } from '../core/identity/types.js';
import type { AttuneStore } from '../store/ports.js';
import { openSqliteStore } from '../store/sqlite/openSqliteStore.js';
import { PersonalizerService, type PersonalizerSettings } from './PersonalizerService.js';

const actions = [{ id: 'a', features: [{ kind: 'x' }] }, { id: 'b', features: [{ kind: 'y' }] }];
const context = [{ device: 'mobile' }];

describe('PersonalizerService: rank events written behind (RankEventRecorder)', () => {
  let store: AttuneStore;
  let now: number;
  const clock: Clock = { now: () => now };
  const service = (settings: Partial<PersonalizerSettings> = {}, onRecordError?: (error: unknown) => void) =>
    new PersonalizerService({ store: store.rankEvents, clock, ids: sequentialIds('e'), random: seededRandom(1), settings, ...(onRecordError === undefined ? {} : { onRecordError }) });

  beforeEach(async () => {
    now = 1_000;
    store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
    await store.workspaces.createWorkspace({ id: 'w', name: 'w', createdAt: 0, identity: defaultIdentitySettings }, []);
  });
  afterEach(async () => { await store.close(); });

  it('answers before the event is written, and writes it within the delay', async () => {
    const personalizer = service({ recordDelayMs: 20 });
    const ranked = await personalizer.rank('w', { contextFeatures: context, actions });
    expect(await store.rankEvents.getEvent('w', ranked.eventId)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((await store.rankEvents.getEvent('w', ranked.eventId))?.probabilities).toEqual(actions.map((a) => ranked.ranking.find((r) => r.id === a.id)!.probability));
  });

  it('stores the event before answering with recordDelayMs 0', async () => {
    const ranked = await service({ recordDelayMs: 0 }).rank('w', { contextFeatures: context, actions });
    expect((await store.rankEvents.getEvent('w', ranked.eventId))?.chosenActionId).toBe(ranked.rewardActionId);
  });

  it('joins a reward and an activation with an event still waiting, and learns it once', async () => {
    const personalizer = service({ recordDelayMs: 60_000 });
    const first = await personalizer.rank('w', { contextFeatures: context, actions });
    await personalizer.reward('w', first.eventId, 1);
    expect((await store.rankEvents.getEvent('w', first.eventId))?.reward).toBe(1);
    const deferred = await personalizer.rank('w', { contextFeatures: context, actions, deferActivation: true });
    await personalizer.activate('w', deferred.eventId);
    await personalizer.reward('w', deferred.eventId, 0);
    expect(await personalizer.observations('w')).toBe(2);
    expect((await store.rankEvents.getEvent('w', deferred.eventId))?.learnedSeq).toBe(2);
  });

  it('refuses an event id that is waiting or stored, as the store would', async () => {
    const personalizer = service({ recordDelayMs: 60_000 });
    await personalizer.rank('w', { contextFeatures: context, actions, eventId: 'mine' });
    await expect(personalizer.rank('w', { contextFeatures: context, actions, eventId: 'mine' })).rejects.toMatchObject({ code: 'ATTUNE_RANK_EVENT_EXISTS' });
    await personalizer.flushEvents();
    await expect(personalizer.rank('w', { contextFeatures: context, actions, eventId: 'mine' })).rejects.toMatchObject({ code: 'ATTUNE_RANK_EVENT_EXISTS' });
    // Another workspace may use it.
    await store.workspaces.createWorkspace({ id: 'v', name: 'v', createdAt: 0, identity: defaultIdentitySettings }, []);
    await expect(personalizer.rank('v', { contextFeatures: context, actions, eventId: 'mine' })).resolves.toMatchObject({ eventId: 'mine' });
  });

  it('lists waiting events, and gives the default reward to a waiting event whose wait is over', async () => {
    const personalizer = service({ recordDelayMs: 60_000, rewardWaitMillis: 1_000, defaultReward: 0 });
    const ranked = await personalizer.rank('w', { contextFeatures: context, actions });
    expect((await personalizer.events('w', 10)).map((e) => e.eventId)).toEqual([ranked.eventId]);
    const waiting = await personalizer.rank('w', { contextFeatures: context, actions });
    now += 5_000;
    await personalizer.rank('w', { contextFeatures: context, actions });
    expect(await personalizer.observations('w')).toBe(2);
    expect((await store.rankEvents.getEvent('w', waiting.eventId))?.rewardSource).toBe('default');
  });

  it('reports a batch it could not write', async () => {
    const errors: unknown[] = [];
    const personalizer = service({ recordDelayMs: 10 }, (error) => errors.push(error));
    await personalizer.rank('w', { contextFeatures: context, actions });
    await store.close();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(errors).toHaveLength(1);
    store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
  });
});
