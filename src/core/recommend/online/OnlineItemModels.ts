import { addBasket, addToBasket, createCooccurrence, setPairCount, type CooccurrenceState } from '../cooccurrence/CooccurrenceState.js';
import { MAX_SEEN, type ItemEvent } from '../history/itemHistory.js';
import { ItemIds } from './ItemIds.js';

/** One number of the state as it is stored: the store writes and reads these, and never parses keys. */
export interface ModelCounter {
  readonly key: string;
  readonly value: number;
  readonly at: number;
}

/** What the live state needs of a workspace's online models: the changes to write behind. */
export interface OnlineModelState {
  readonly hasChanges: boolean;
  /** The changed counters since the last call, as values (the caller writes them later). */
  take(): ModelCounter[];
}

export interface OnlineItemModelSettings {
  /** Half-life of trending scores. */
  readonly trendingHalfLifeMillis: number;
  /** Distinct items per order that count for "bought together". */
  readonly maxOrderItems: number;
}

export const defaultOnlineItemModelSettings: OnlineItemModelSettings = { trendingHalfLifeMillis: 7 * 86_400_000, maxOrderItems: 50 };

type Kind = 'v' | 'b';
/** Separates the two items of a pair key; item ids with control characters are never read (itemHistory). */
const SEP = '\u001f';

/**
 * A workspace's item models that learn from every event: popularity and trending per
 * interaction kind (viewed, bought), and co-occurrence ("viewed together" within a session,
 * "bought together" within an order). Pure: updated from the knowledge update of each event
 * (its items and the session's earlier ones), so a replay of the log rebuilds the same state;
 * it records which counters changed, and the live state writes those behind with the profiles.
 *
 * Counter keys: `vb`/`bb` baskets; `vi:ITEM`/`bi:ITEM` baskets holding the item (its
 * popularity); `vp:A SEP B`/`bp:...` pairs (A < B); `tv:ITEM`/`tb:ITEM` trending (value as of `at`).
 */
export class OnlineItemModels implements OnlineModelState {
  readonly ids = new ItemIds();
  /** Sessions' viewed items (the session's basket is the profile's item history since the session began). */
  readonly viewed: CooccurrenceState = createCooccurrence({ maxBasketItems: MAX_SEEN });
  readonly bought: CooccurrenceState;
  private readonly trend: Record<Kind, Map<number, { value: number; at: number }>> = { v: new Map(), b: new Map() };
  private changed = new Set<string>();
  /** Counts changes, so that ranked lists cached by readers know when they are stale. */
  version = 0;

  constructor(readonly settings: OnlineItemModelSettings = defaultOnlineItemModelSettings, private readonly onChange: () => void = () => undefined) {
    this.bought = createCooccurrence({ maxBasketItems: settings.maxOrderItems });
  }

  /** The state as stored (rows of `take`), read back. */
  static fromCounters(rows: readonly ModelCounter[], settings: OnlineItemModelSettings = defaultOnlineItemModelSettings, onChange?: () => void): OnlineItemModels {
    const models = new OnlineItemModels(settings, onChange);
    for (const { key, value, at } of rows) models.load(key, value, at);
    return models;
  }

  get hasChanges(): boolean {
    return this.changed.size > 0;
  }

  /** Applies one event's items; `sessionBefore` is the session's items before it, oldest first. */
  apply(event: ItemEvent, sessionBefore: readonly string[]): void {
    if (event.kind === 'purchase') {
      const items = [...new Set(event.items)].slice(0, this.settings.maxOrderItems).map((id) => this.ids.index(id));
      if (items.length === 0) return;
      addBasket(this.bought, items);
      this.mark('bb');
      for (const a of items) {
        this.mark(`bi:${this.ids.id(a)}`);
        for (const b of items) if (a < b) this.mark(pairKey('b', this.ids.id(a), this.ids.id(b)));
        this.addTrend('b', a, event.timestamp);
      }
    } else {
      const basket = { items: sessionBefore.slice(0, MAX_SEEN).map((id) => this.ids.index(id)) };
      for (const id of event.items) {
        const item = this.ids.index(id);
        const before = basket.items.slice();
        if (addToBasket(this.viewed, basket, item)) {
          if (before.length === 0) this.mark('vb');
          this.mark(`vi:${id}`);
          for (const other of before) this.mark(pairKey('v', id, this.ids.id(other)));
        }
        this.addTrend('v', item, event.timestamp);
      }
    }
    this.version++;
    this.onChange();
  }

  /** Trending score of an item at `now`: its interactions, each halved per half-life of age. */
  trending(kind: 'viewed' | 'bought', item: number, now: number): number {
    const t = this.trend[kind === 'viewed' ? 'v' : 'b'].get(item);
    return t === undefined ? 0 : t.value * 2 ** (-Math.max(0, now - t.at) / this.settings.trendingHalfLifeMillis);
  }

  /** Baskets holding the item: sessions that viewed it, or orders with it. */
  popularity(kind: 'viewed' | 'bought', item: number): number {
    return (kind === 'viewed' ? this.viewed : this.bought).itemCounts.get(item) ?? 0;
  }

  take(): ModelCounter[] {
    const rows: ModelCounter[] = [];
    for (const key of this.changed) rows.push(this.row(key));
    this.changed = new Set();
    return rows;
  }

  private addTrend(kind: Kind, item: number, at: number): void {
    const map = this.trend[kind];
    const t = map.get(item);
    // Sum over interactions of 2^-(age/h) at the latest time: the same whatever the order of arrival.
    if (t === undefined) map.set(item, { value: 1, at });
    else if (at >= t.at) {
      t.value = t.value * 2 ** (-(at - t.at) / this.settings.trendingHalfLifeMillis) + 1;
      t.at = at;
    } else t.value += 2 ** (-(t.at - at) / this.settings.trendingHalfLifeMillis);
    this.mark(`t${kind}:${this.ids.id(item)}`);
  }

  private mark(key: string): void {
    this.changed.add(key);
  }

  private row(key: string): ModelCounter {
    const kind = key[0] as Kind;
    const state = kind === 'v' ? this.viewed : this.bought;
    if (key === 'vb' || key === 'bb') return { key, value: state.baskets, at: 0 };
    const rest = key.slice(3);
    if (key[1] === 'i') return { key, value: state.itemCounts.get(this.ids.index(rest)) ?? 0, at: 0 };
    if (key[1] === 'p') {
      const [a, b] = rest.split(SEP) as [string, string];
      return { key, value: state.pairs.get(this.ids.index(a))?.get(this.ids.index(b)) ?? 0, at: 0 };
    }
    // Trending: `tv:` or `tb:`.
    const t = this.trend[key[1] as Kind].get(this.ids.index(rest));
    return { key, value: t?.value ?? 0, at: t?.at ?? 0 };
  }

  private load(key: string, value: number, at: number): void {
    if (key === 'vb') this.viewed.baskets = value;
    else if (key === 'bb') this.bought.baskets = value;
    else if (key.length > 3 && key[2] === ':') {
      const rest = key.slice(3);
      if (key[0] === 't' && (key[1] === 'v' || key[1] === 'b')) this.trend[key[1]].set(this.ids.index(rest), { value, at });
      else if (key[0] === 'v' || key[0] === 'b') {
        const state = key[0] === 'v' ? this.viewed : this.bought;
        if (key[1] === 'i') state.itemCounts.set(this.ids.index(rest), value);
        else if (key[1] === 'p') {
          const [a, b] = rest.split(SEP);
          if (a === undefined || b === undefined) return;
          setPairCount(state, this.ids.index(a), this.ids.index(b), value);
        }
      }
    }
  }
}

function pairKey(kind: Kind, a: string, b: string): string {
  return a < b ? `${kind}p:${a}${SEP}${b}` : `${kind}p:${b}${SEP}${a}`;
}
