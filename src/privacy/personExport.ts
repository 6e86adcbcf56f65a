import { EXPOSURE_EVENT } from '../core/experiments/experimentUnits.js';
import type { PersonRef } from '../core/privacy/PersonRef.js';
import type { PersonKeys, PersonRecords, StoredEvent } from '../store/ports.js';

const iso = (ms: number) => new Date(ms).toISOString();

export interface PersonExportInput {
  readonly workspaceId: string;
  readonly ref: PersonRef;
  readonly now: number;
  /** The live profile, or undefined when nothing is known by the identifier. */
  readonly survivor: string | undefined;
  readonly keys: PersonKeys;
  readonly records: PersonRecords;
  /** The live profile's knowledge as the profile API shows it (`profileKnowledgeView`), or null. */
  readonly knowledge: unknown;
  readonly predictions: unknown;
}

/**
 * The export document of a person (docs/privacy.md, "Export"): every stored row of theirs,
 * times as ISO 8601, the identifiers included (it is their own data).
 */
export function personExport(input: PersonExportInput) {
  const { workspaceId, ref, now, survivor, keys, records, knowledge, predictions } = input;
  const survivorRow = records.profiles.find((p) => p.id === survivor);
  return {
    workspaceId,
    exportedAt: iso(now),
    request: { kind: ref.kind, value: ref.value },
    found: survivor !== undefined,
    profileId: survivor ?? null,
    mergedProfileIds: keys.profileIds.filter((id) => id !== survivor),
    identities: records.identities.map((i) => ({ kind: i.key.kind, value: i.key.value, profileId: i.profileId, linkedAt: iso(i.linkedAt) })),
    traits: survivorRow?.traits.values ?? {},
    profiles: records.profiles.map((p) => ({
      id: p.id, createdAt: iso(p.createdAt), firstSeen: iso(p.firstSeen), lastSeen: iso(p.lastSeen), mergedInto: p.mergedInto, mergedCount: p.mergedCount,
      traits: p.traits.values, traitUpdatedAt: Object.fromEntries(Object.entries(p.traits.updatedAt).map(([k, at]) => [k, iso(at)])), eventCounts: p.eventCounts,
      storedKnowledge: p.knowledge,
    })),
    knowledge,
    experiments: Object.entries(survivorRow?.knowledge?.x ?? {}).map(([experimentId, u]) => ({ experimentId, armId: u.a, firstExposure: iso(u.t), covariate: u.c ?? 0, values: u.v ?? {} })),
    predictions,
    merges: records.merges.map((m) => ({ survivorId: m.survivorId, absorbedId: m.absorbedId, at: iso(m.at) })),
    segmentMembers: records.segmentMembers.map((m) => ({ segmentId: m.segmentId, profileId: m.profileId, enteredAt: iso(m.enteredAt) })),
    segmentHistory: records.segmentChanges.map((c) => ({ segmentId: c.segmentId, profileId: c.profileId, kind: c.kind, at: iso(c.at), ...(c.reason === undefined ? {} : { reason: c.reason }) })),
    consentHistory: records.consentChanges.map((c) => ({ purpose: c.purpose, granted: c.granted, source: c.source, profileId: c.profileId, at: iso(c.at) })),
    decisions: records.decisions.map((d) => ({
      decisionId: d.decisionId, profileId: d.profileId, placementId: d.placementId, actionId: d.actionId, variant: d.variant, score: d.score,
      probability: d.probability, fallback: d.fallback, segments: d.segments, reasons: d.reasons, at: iso(d.at),
    })),
    exposures: records.events.filter((e) => e.name === EXPOSURE_EVENT).map(exposureOf),
    events: records.events.map((e) => ({
      seq: e.seq, profileId: e.profileId, messageId: e.messageId, type: e.type, name: e.name, userId: e.userId, anonymousId: e.anonymousId,
      timestamp: iso(e.timestamp), receivedAt: iso(e.receivedAt), body: e.body,
    })),
    rankEvents: records.rankEvents.map((r) => ({
      eventId: r.eventId, context: r.context, actions: r.actions, chosenActionId: r.chosenActionId, probabilities: r.probabilities,
      rankedAt: iso(r.rankedAt), reward: r.reward, rewardedAt: r.rewardedAt === null ? null : iso(r.rewardedAt),
    })),
    
  };
}

function exposureOf(e: StoredEvent) {
  const properties = e.body['properties'];
  const p = typeof properties === 'object' && properties !== null ? properties as Record<string, unknown> : {};
  return { experimentId: p['experiment_id'] ?? null, armId: p['variation_id'] ?? null, at: iso(e.timestamp), messageId: e.messageId };
}
