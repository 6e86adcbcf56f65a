import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/cli/systemClock.js';
import { loadConfig } from '../../src/config/config.js';
import { trustedCaller } from '../../src/core/identity/identityCheck.js';
import { createEngine } from '../../src/engine/createEngine.js';
import { openStore } from '../../src/cli/openStore.js';
import { seededRandom as coreRandom } from '../../src/core/common/random.js';
import { seededRandom } from './random.js';

/**
 * In-process serving: a workspace with a catalog of `items` products and `visitors` anonymous
 * visitors, each with one session of Zipf-distributed product views (and an order now and
 * then), collected through the engine; then RecommendService.recommend for visitors whose
 * profiles are in memory, timed one call at a time.
 */
export interface ServingFigures {
  readonly items: number;
  readonly visitors: number;
  readonly events: number;
  readonly calls: number;
  readonly p50Micros: number;
  readonly p99Micros: number;
  readonly meanItems: number;
  /** Answers by the strategy of their first item. */
  readonly strategies: Record<string, number>;
  readonly setupSeconds: number;
}

const uuidIds = { next: () => crypto.randomUUID() };

export async function measureServing(options: { items: number; visitors: number; calls: number }): Promise<ServingFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'attune-bench-recommend-'));
  const store = openStore(loadConfig({ dataDir, synchronous: 'normal' }), 'bench');
  try {
    const engine = createEngine({ store, clock: systemClock, ids: uuidIds, random: coreRandom(1), decisionSampleRate: 1 });
    const started = performance.now();
    const created = await engine.workspaces.create('recommend-bench');
    const workspace = await engine.workspaces.get(created.id);
    const random = seededRandom(20261206);
    const harmonic = Math.log(options.items) + 0.5772;
    const product = () => Math.min(options.items, Math.max(1, Math.floor(Math.exp(random() * harmonic - 0.5772))));
    const categories = ['Shoes', 'Bags', 'Shirts', 'Kitchen', 'Outdoor', 'Books', 'Toys', 'Garden'];
    for (let from = 1; from <= options.items; from += 1000) {
      const items = Array.from({ length: Math.min(1000, options.items - from + 1) }, (_, i) => ({
        id: `prod_${(from + i).toString()}`, title: `Product ${(from + i).toString()}`, category: [categories[(from + i) % categories.length]!], price: 10 + ((from + i) % 90), currency: 'EUR',
      }));
      const result = await engine.catalog.putItems(workspace.id, items);
      if (result.rejected.length > 0) throw new Error(`catalog rejected ${JSON.stringify(result.rejected[0])}`);
    }
    const now = Date.now();
    let events = 0;
    for (let from = 0; from < options.visitors; from += 500) {
      const batch: Record<string, unknown>[] = [];
      for (let v = from; v < Math.min(options.visitors, from + 500); v++) {
        const views = 3 + Math.floor(random() * 6);
        const start = now - 20 * 60_000 + Math.floor(random() * 10 * 60_000);
        const seen: string[] = [];
        for (let i = 0; i < views; i++) {
          const id = `prod_${product().toString()}`;
          seen.push(id);
          batch.push({ type: 'track', event: 'Product Viewed', anonymousId: `visitor-${v.toString()}`, timestamp: new Date(start + i * 20_000).toISOString(), properties: { product_id: id } });
        }
        if (random() < 0.1) batch.push({ type: 'track', event: 'Order Completed', anonymousId: `visitor-${v.toString()}`, timestamp: new Date(start + views * 20_000).toISOString(), properties: { products: seen.slice(-2).map((id) => ({ product_id: id })) } });
      }
      const report = await engine.collector.collect(workspace, { events: batch, routeType: null, caller: trustedCaller });
      if (report.accepted !== batch.length) throw new Error(`collect accepted ${report.accepted.toString()} of ${batch.length.toString()}`);
      events += batch.length;
    }
    const setupSeconds = (performance.now() - started) / 1000;
    const identity = { check: 'anonymous' as const, read: 'as-given' as const };
    const visitor = () => `visitor-${Math.floor(random() * options.visitors).toString()}`;
    // Warm-up: every profile the timed calls read is loaded, and the code is optimised.
    for (let v = 0; v < options.visitors; v++) await engine.recommendations.recommend(workspace, { anonymousId: `visitor-${v.toString()}`, count: 10 }, identity);
    const micros: number[] = [];
    const strategies: Record<string, number> = {};
    let itemsShown = 0;
    for (let i = 0; i < options.calls; i++) {
      const t0 = process.hrtime.bigint();
      const answer = await engine.recommendations.recommend(workspace, { anonymousId: visitor(), count: 10 }, identity);
      micros.push(Number(process.hrtime.bigint() - t0) / 1000);
      itemsShown += answer.items.length;
      const first = answer.items[0]?.strategy ?? 'none';
      strategies[first] = (strategies[first] ?? 0) + 1;
    }
    micros.sort((a, b) => a - b);
    const at = (q: number) => micros[Math.min(micros.length - 1, Math.floor(q * micros.length))]!;
    return { items: options.items, visitors: options.visitors, events, calls: options.calls, p50Micros: at(0.5), p99Micros: at(0.99), meanItems: itemsShown / options.calls, strategies, setupSeconds };
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
