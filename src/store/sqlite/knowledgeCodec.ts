import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { AttuneError } from '../../core/errors/AttuneError.js';
import type { KnowledgeState } from '../../core/knowledge/KnowledgeState.js';
import { HOURS, type ActivityHours } from '../../core/sendTime/ActivityHours.js';

/**
 * How a profile's knowledge is stored in `profile_knowledge`: the fields SQL reads stay JSON
 * text in `state` (json_extract on them: consent `c` for retention, activity hours `h`, data
 * quality `q` with its index, experiment units `x` for fairness); the rest (features,
 * session, memberships, caps, item history, purchases: about nine tenths of the bytes) is
 * deflated into `packed`. Deflated, a typical document takes about a third of its JSON, so
 * three times as many profiles share a page (docs/ARCHITECTURE.md, "Stored profile state").
 *
 * Activity hours (`h`) are stored sparse: a channel's 24 hourly figures, mostly zero, as an
 * object of the hours that are not (`{"18":30}`, a fifth of the array's JSON); json_extract
 * on `$.h` gives that form, which `decodeActivity` turns back into the arrays.
 *
 * A field that a query must read in SQL belongs in `sqlVisibleKeys`. Rows written before
 * `packed` existed have it null and the whole document in `state`; they are read as they are
 * and packed at their next write.
 *
 * @example
 * const { state, packed } = knowledgeCodec.encode(knowledge);
 * knowledgeCodec.decode(state, packed); // equals knowledge, keys in the same order
 */

/** Fields that SQL reads with json_extract: kept in `state` as JSON text. */
export const sqlVisibleKeys: ReadonlySet<string> = new Set(['c', 'h', 'q', 'x']);

/** The first byte of `packed`: how the rest is encoded. A new dictionary is a new format, never an edit of this one. */
const FORMAT_DEFLATE_V1 = 1;

/**
 * A preset dictionary of the structure every knowledge document shares (no workspace's
 * feature or segment names): deflate finds these strings from the first byte instead of
 * after their first occurrence, which saves about a sixth on a 1.2 KB document.
 * Frozen: rows written with it are read with it.
 */
const dictionaryV1 = Buffer.from(
  '{"v":{"b":[{"s":"{"d":[[{"k":[[{"e":[[,"t":17"s":{"count":1,"start":17,"last":17,"pages":,"events":,"section":"","seconds":[["",'
  + ',"searchTerms":[],"channel":"direct","campaign":null,"referrer":null,"device":"desktop"},"r":{"v":[],"p":[]},'
  + '"o":{"f":,"fv":0,"d":[],"s":[0],"n":1,"t":0},"c":0,"h":0,"m":{"f":{',
  'utf8',
);

/**
 * Output buffers of 2 KB instead of zlib's 16 KB: a document inflates to about 1.2 KB and
 * deflates to about 0.5 KB, so a smaller buffer per call is less to allocate and collect on a
 * bulk load (cold loads, recovery, rebuild). The stream written is the same.
 */
const CHUNK_BYTES = 2048;

export interface StoredKnowledge {
  /** JSON text of the fields in `sqlVisibleKeys` that the state has. */
  readonly state: string;
  /** The format byte, then the other fields as deflated JSON. */
  readonly packed: Buffer;
}

/**
 * Knowledge as text, before the deflate: `encode` is `serialize` then `pack`, split so that the
 * cheap half runs where the state is (it must be copied before the state changes) and the
 * deflate, about two thirds of the cost, on the storage thread. Both halves give the bytes of
 * `encode`, whichever thread runs them.
 */
export interface KnowledgeText {
  /** As `StoredKnowledge.state`. */
  readonly state: string;
  /** JSON of the other fields, as `pack` deflates them. */
  readonly rest: string;
}

export const knowledgeCodec = {
  encode(knowledge: KnowledgeState): StoredKnowledge {
    const text = knowledgeCodec.serialize(knowledge);
    return { state: text.state, packed: knowledgeCodec.pack(text.rest) };
  },

  /** The first half of `encode`: the two JSON texts. */
  serialize(knowledge: KnowledgeState): KnowledgeText {
    const visible: Record<string, unknown> = {};
    const rest: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(knowledge)) {
      if (sqlVisibleKeys.has(key)) {
        visible[key] = key === 'h' ? sparseActivity(value as ActivityHours) : value;
        // A placeholder keeps the key's place, so the decoded document has the keys in the order they were written.
        rest[key] = 0;
      } else {
        rest[key] = value;
      }
    }
    return { state: JSON.stringify(visible), rest: JSON.stringify(rest) };
  },

  /** The second half of `encode`: `packed` from `KnowledgeText.rest`. */
  pack(rest: string): Buffer {
    const deflated = deflateRawSync(rest, { dictionary: dictionaryV1, chunkSize: CHUNK_BYTES });
    const packed = Buffer.allocUnsafe(deflated.length + 1);
    packed[0] = FORMAT_DEFLATE_V1;
    deflated.copy(packed, 1);
    return packed;
  },

  /** The knowledge of a row: `packed` null is a row written whole in `state`, before packing. */
  decode(state: string, packed: Uint8Array | null): KnowledgeState {
    const visible = JSON.parse(state) as Record<string, unknown>;
    if (packed === null) return visible as unknown as KnowledgeState;
    if (packed[0] !== FORMAT_DEFLATE_V1) {
      throw new AttuneError('ATTUNE_STORE_NEWER_VERSION', { detail: `a profile's stored knowledge has format ${String(packed[0])}, which this version of Attune does not read: run the newer version that wrote it` });
    }
    const whole = JSON.parse(inflateRawSync(packed.subarray(1), { dictionary: dictionaryV1, chunkSize: CHUNK_BYTES }).toString('utf8')) as Record<string, unknown>;
    for (const key of sqlVisibleKeys) {
      if (Object.hasOwn(visible, key)) whole[key] = key === 'h' ? knowledgeCodec.decodeActivity(visible[key]) : visible[key];
      else if (Object.hasOwn(whole, key)) Reflect.deleteProperty(whole, key);
    }
    return whole as unknown as KnowledgeState;
  },

  /** Activity hours as stored (sparse, or arrays in rows written before): with their arrays of 24. */
  decodeActivity(stored: unknown): ActivityHours {
    const hours = stored as ActivityHours;
    if (!isRecord(hours.h)) return hours;
    const channels: Record<string, number[]> = {};
    for (const [channel, counts] of Object.entries(hours.h as Record<string, unknown>)) {
      if (Array.isArray(counts)) {
        channels[channel] = counts as number[];
        continue;
      }
      const dense = new Array<number>(HOURS).fill(0);
      for (const [hour, count] of Object.entries(counts as Record<string, number>)) dense[Number(hour)] = count;
      channels[channel] = dense;
    }
    return { ...hours, h: channels };
  },
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Arrays of 24 numbers become objects of their hours that are not zero; anything else stays as it is. */
function sparseActivity(hours: ActivityHours): unknown {
  if (!isRecord(hours.h)) return hours;
  const channels: Record<string, unknown> = {};
  for (const [channel, counts] of Object.entries(hours.h)) {
    if (!Array.isArray(counts) || counts.length !== HOURS || !counts.every((c) => typeof c === 'number')) {
      channels[channel] = counts;
      continue;
    }
    const sparse: Record<string, number> = {};
    for (let hour = 0; hour < HOURS; hour++) if (counts[hour] !== 0) sparse[hour] = counts[hour]!;
    channels[channel] = sparse;
  }
  return { ...hours, h: channels };
}
