import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import { AttuneError } from '../../errors/AttuneError.js';
import { EASE_MAX_ITEMS } from '../ease/trainEase.js';
import { InteractionBuilder, interactionWeights } from './InteractionBuilder.js';
import { decodeModelPayload, encodeModelPayload } from './modelPayload.js';
import { chooseKind, trainRecommenderModel } from './trainModel.js';
import { trainedRecommender } from './trainedRecommender.js';
import { modelBytes } from './TrainedModel.js';

/**
 * A shop of two tastes: users of taste 0 view items a0..a9, users of taste 1 view b0..b9,
 * each a random 5 of their 10, and some buy one; item a0 is viewed by everyone of taste 0.
 */
function twoTastes(users = 200, seed = 3): InteractionBuilder {
  const random = seededRandom(seed);
  const builder = new InteractionBuilder();
  for (let u = 0; u < users; u++) {
    const taste = u % 2 === 0 ? 'a' : 'b';
    const picks = new Set([0]);
    while (picks.size < 5) picks.add(Math.floor(random.next() * 10));
    let t = u * 1000;
    for (const p of picks) builder.add(`u${u}`, { kind: 'view', items: [`${taste}${p}`], timestamp: t += 1000 });
    if (u % 3 === 0) builder.add(`u${u}`, { kind: 'purchase', items: [`${taste}${[...picks][1]}`], timestamp: t += 1000 });
  }
  return builder;
}

describe('InteractionBuilder', () => {
  it('indexes users and items in order of first sight, one interaction per distinct item of an event, weighted by kind', () => {
    const b = new InteractionBuilder();
    b.add('p1', { kind: 'view', items: ['x', 'x', 'y'], timestamp: 2000 });
    b.add('p2', { kind: 'purchase', items: ['y'], timestamp: 3000 });
    b.add('p1', { kind: 'cart', items: ['z'], timestamp: 4000 });
    expect(b.data()).toEqual({
      userIds: ['p1', 'p2'], itemIds: ['x', 'y', 'z'],
      interactions: [
        { user: 0, item: 0, weight: 1, time: 2 }, { user: 0, item: 1, weight: 1, time: 2 },
        { user: 1, item: 1, weight: 4, time: 3 }, { user: 0, item: 2, weight: 2, time: 4 },
      ],
    });
    expect(interactionWeights.purchase).toBeGreaterThan(interactionWeights.cart);
    expect(interactionWeights.cart).toBeGreaterThan(interactionWeights.view);
  });
});

describe('trainRecommenderModel', () => {
  it('learns the tastes: a history of a-items gets a-items, with the history item behind each, and beats popularity on the holdout', () => {
    const data = twoTastes().data();
    const steps: string[] = [];
    const { model, metrics, notice } = trainRecommenderModel(data, { onProgress: (step, f) => { if (f === 1) steps.push(step); } });
    expect(model.kind).toBe('ease-norm');
    expect(notice).toBeUndefined();
    expect(steps).toEqual(expect.arrayContaining(['holdout', 'final']));
    const index = new Map(model.itemIds.map((id, i) => [id, i]));
    const recommender = trainedRecommender('collaborative', model);
    const history = ['a1', 'a2', 'a3'].map((id) => index.get(id)!);
    const top = recommender.recommend({ history, k: 5, exclude: new Set(history) });
    expect(top).toHaveLength(5);
    for (const s of top) {
      expect(model.itemIds[s.item]).toMatch(/^a/);
      expect(s.score).toBeGreaterThan(0);
      expect(history).toContain(s.because);
    }
    expect(metrics).toMatchObject({ protocol: 'leave-last-out', k: 10, judgedUsers: 200 });
    expect(metrics.hitRate).toBeGreaterThan(metrics.popularHitRate);
    expect(metrics.ndcg).toBeGreaterThan(metrics.popularNdcg);
    // Same data, same model: training is pure.
    expect(trainRecommenderModel(data).metrics).toEqual(metrics);
  });

  it('trains item-kNN when asked, with the same tastes', () => {
    const { model } = trainRecommenderModel(twoTastes().data(), { kind: 'item-knn' });
    expect(model.kind).toBe('item-knn');
    const b1 = model.itemIds.indexOf('b1');
    const top = trainedRecommender('collaborative', model).recommend({ history: [b1], k: 3, exclude: new Set([b1]) });
    expect(top.map((s) => model.itemIds[s.item]!.startsWith('b'))).toEqual([true, true, true]);
    expect(top[0]!.because).toBe(b1);
  });

  it('takes item-kNN above EASE_MAX_ITEMS and says why; refuses EASE there when it is asked for by name', () => {
    expect(chooseKind(EASE_MAX_ITEMS, 'auto')).toEqual({ kind: 'ease-norm', notice: undefined });
    const above = chooseKind(EASE_MAX_ITEMS + 1, 'auto');
    expect(above.kind).toBe('item-knn');
    expect(above.notice).toMatch(/EASE takes at most 20,000 items.*20,001.*item-knn instead/);
    expect(() => chooseKind(EASE_MAX_ITEMS + 1, 'ease-norm')).toThrow(/item-knn instead/);
  });

  it('refuses data with no interactions with ATTUNE_MODEL_NO_DATA', () => {
    const error = (() => { try { trainRecommenderModel(new InteractionBuilder().data()); } catch (e) { return e; } return undefined; })();
    expect(error).toBeInstanceOf(AttuneError);
    expect((error as AttuneError).code).toBe('ATTUNE_MODEL_NO_DATA');
  });

  it('judges nobody when no user has two items, and still trains', () => {
    const b = new InteractionBuilder();
    b.add('p1', { kind: 'view', items: ['x'], timestamp: 0 });
    b.add('p2', { kind: 'view', items: ['y'], timestamp: 0 });
    const { model, metrics } = trainRecommenderModel(b.data());
    expect(metrics.judgedUsers).toBe(0);
    expect(model.itemIds).toEqual(['x', 'y']);
  });
});

describe('modelPayload', () => {
  it.each(['ease-norm', 'item-knn'] as const)('%s: decodes to the model that was encoded, from any byte offset', (kind) => {
    const { model } = trainRecommenderModel(twoTastes(40).data(), { kind });
    const payload = encodeModelPayload(model);
    expect(payload.byteLength).toBeGreaterThan(modelBytes(model));
    // A buffer a driver hands over may start at an odd offset inside a larger one.
    const shifted = new Uint8Array(payload.byteLength + 3);
    shifted.set(payload, 3);
    for (const bytes of [payload, shifted.subarray(3)]) {
      const decoded = decodeModelPayload(bytes);
      expect(decoded.kind).toBe(kind);
      expect(decoded.itemIds).toEqual(model.itemIds);
      const history = [0, 1];
      expect(trainedRecommender('x', decoded).recommend({ history, k: 5 })).toEqual(trainedRecommender('x', model).recommend({ history, k: 5 }));
    }
  });

  it.each([
    ['not a payload', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13])],
    ['empty', new Uint8Array(0)],
  ])('refuses %s with ATTUNE_MODEL_INVALID', (_name, bytes) => {
    expect(() => decodeModelPayload(bytes)).toThrow(expect.objectContaining({ code: 'ATTUNE_MODEL_INVALID' }));
  });

  it('refuses a truncated payload and another format version', () => {
    const payload = encodeModelPayload(trainRecommenderModel(twoTastes(20).data()).model);
    expect(() => decodeModelPayload(payload.subarray(0, payload.byteLength - 100))).toThrow(expect.objectContaining({ code: 'ATTUNE_MODEL_INVALID' }));
    const other = payload.slice();
    other[4] = 9;
    expect(() => decodeModelPayload(other)).toThrow(/format 9/);
  });
});
