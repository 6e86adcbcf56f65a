import { Packr } from 'msgpackr';
import type { TraitState } from '../core/identity/traits.js';
import type { KnowledgeState } from '../core/knowledge/KnowledgeState.js';

/** The part of a cached profile that an idle profile keeps packed: all but its names, identifiers and bookkeeping. */
export interface ProfileBody {
  readonly createdAt: number;
  firstSeen: number;
  lastSeen: number;
  traits: TraitState;
  eventCounts: Record<string, number>;
  mergedCount: number;
  knowledge: KnowledgeState;
}

// Plain MessagePack maps (no records): a record structure would be shared state between
// packed bodies, and key sets differ from profile to profile anyway.
const packr = new Packr({ useRecords: false, moreTypes: false });

/**
 * msgpackr renames a `__proto__` key to `__proto_` when it unpacks (so that no key replaces a
 * prototype). The state keeps such keys as own properties (features, segments and experiments
 * keyed by what events carry), so a body whose bytes hold the name anywhere stays unpacked.
 */
const protoBytes = Buffer.from('__proto__', 'latin1');

/**
 * The body as MessagePack, in a one-byte string (`latin1`: one byte a character): on the V8
 * heap with a 16-byte header, where a Buffer of the same bytes costs about 200 bytes more
 * (the ArrayBuffer, the view and the off-heap allocation). Null when it cannot come back
 * exactly (see `protoBytes`). Example: `unpackBody(packBody(body)!)` equals `body`.
 */
export function packBody(body: ProfileBody): string | null {
  const bytes = packr.pack(body);
  return bytes.includes(protoBytes) ? null : bytes.toString('latin1');
}

export function unpackBody(packed: string): ProfileBody {
  return packr.unpack(Buffer.from(packed, 'latin1')) as ProfileBody;
}

/** The bytes `packBody` would take, for an estimate of a body that changes on. */
export function packedSize(body: ProfileBody): number {
  return packr.pack(body).length;
}
