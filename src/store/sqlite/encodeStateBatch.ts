import type { StateBatch, StoredProfile } from '../ports.js';
import { knowledgeCodec } from './knowledgeCodec.js';

/**
 * A profile in the column order of `profiles` (traits, their times and the event counts as
 * JSON), then its knowledge as `knowledgeCodec.serialize` gives it (both null: the knowledge is
 * dropped).
 */
export type ProfileColumns = readonly [
  workspaceId: string, id: string, createdAt: number, firstSeen: number, lastSeen: number, traits: string, traitTimes: string, eventCounts: string,
  mergedCount: number, mergedInto: string | null, state: string | null, rest: string | null,
];

/** An identifier pointed at a profile, in the column order of `identities`. */
export type IdentityColumns = readonly [workspaceId: string, kind: string, value: string, profileId: string, at: number];

/** An entry into or an exit from a segment, in the column order of `segment_changes`. */
export type SegmentChangeColumns = readonly [workspaceId: string, segmentId: string, profileId: string, kind: 'enter' | 'leave', at: number, reason: string | null];

/** A consent decision, in the column order of `consent_changes` (granted as 1 or 0). */
export type ConsentChangeColumns = readonly [workspaceId: string, profileId: string, purpose: string, granted: 0 | 1, source: string, at: number];

/**
 * A `StateBatch` as the state writer binds it: its bulk (profiles, identities, membership and
 * consent changes) as flat rows of strings and numbers, the rest (rare: merges, outcomes,
 * experiment statistics, counters) as it is.
 */
export interface EncodedStateBatch extends Omit<StateBatch, 'profiles' | 'identities' | 'segmentChanges' | 'consentChanges'> {
  /** An array when the batch crosses to the thread; inline, `encodeProfiles` (see `SqliteStateStore.write`). */
  readonly profiles: Iterable<ProfileColumns>;
  readonly identities: readonly IdentityColumns[];
  readonly segmentChanges: readonly SegmentChangeColumns[];
  readonly consentChanges: readonly ConsentChangeColumns[];
}

/**
 * Everything of a batch that the state writer would turn into text, turned into text now, but
 * not deflated (`knowledgeCodec.pack` runs where the batch is written). It is the copy that
 * `StateStore.write` must take before it returns, and what the storage thread is handed: the
 * thread rebuilds strings in arrays for a fraction of what rebuilding the live object graphs
 * and encoding them costs it (about 40 against 100 µs a profile), while the main thread spends
 * about 30 µs a profile instead of the clone's 16 (JSON writes doubles as decimal text), which
 * its CPU profiles do not tell apart per event (docs/ARCHITECTURE.md, "Storage on a thread").
 * The rows are what `SqliteStateStore` binds, so both writers store the same bytes.
 *
 * The inline writer passes `encodeProfiles(batch.profiles)` as `profiles`, encoded as written.
 *
 * @example const encoded = encodeStateBatch(batch); // postMessage(encoded), then writeEncoded(encoded) on the thread
 */
export function encodeStateBatch(batch: StateBatch, profiles: Iterable<ProfileColumns> = batch.profiles.map(encodeProfileRow)): EncodedStateBatch {
  return {
    ...batch,
    profiles,
    identities: batch.identities.map((i): IdentityColumns => [i.workspaceId, i.key.kind, i.key.value, i.profileId, i.at]),
    segmentChanges: batch.segmentChanges.map(({ workspaceId, profileId, change: c }): SegmentChangeColumns => [workspaceId, c.segment, profileId, c.kind, c.at, c.reason ?? null]),
    consentChanges: batch.consentChanges.map(({ workspaceId, profileId, change: c }): ConsentChangeColumns => [workspaceId, profileId, c.purpose, c.granted ? 1 : 0, c.source, c.at]),
  };
}

/** A profile's row (`ProfileColumns`): its JSON columns and its knowledge as text. */
export function encodeProfileRow(p: StoredProfile): ProfileColumns {
  const text = p.knowledge === null ? null : knowledgeCodec.serialize(p.knowledge);
  return [
    p.workspaceId, p.id, p.createdAt, p.firstSeen, p.lastSeen, JSON.stringify(p.traits.values), JSON.stringify(p.traits.updatedAt), JSON.stringify(p.eventCounts),
    p.mergedCount, p.mergedInto, text?.state ?? null, text?.rest ?? null,
  ];
}

/**
 * The profiles' rows one at a time, as they are written: the inline writer holds one profile's
 * text at a time, not a whole batch's (a rebuild writes up to 20,000 profiles a batch).
 */
export function* encodeProfiles(profiles: readonly StoredProfile[]): Generator<ProfileColumns> {
  for (const p of profiles) yield encodeProfileRow(p);
}
