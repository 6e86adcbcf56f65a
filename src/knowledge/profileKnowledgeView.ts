import { hasConsent, standardPurposes } from '../core/consent/ConsentState.js';
import { dataQualityView } from '../core/knowledge/dataQuality.js';
import type { KnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import { currentSegments, emptyKnowledge, ruleInputFor, type KnowledgeState } from '../core/knowledge/KnowledgeState.js';
import type { ConsentRecord } from '../store/ports.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** A profile's stored knowledge with the facts its rules read (`KnowledgeReader.knowledge`). */
export interface StoredKnowledge {
  readonly state: KnowledgeState;
  readonly traits: Record<string, unknown>;
  readonly firstSeen: number;
  readonly lastSeen: number;
}

/**
 * What Attune knows of a profile now, as people read it: features, session, segments (with
 * entry times), consent per purpose with its history, data quality, recent items. The profile
 * API shows it, and a data-subject export carries it.
 */
export function profileKnowledgeView(model: KnowledgeModel, profileId: string, stored: StoredKnowledge | undefined, history: readonly ConsentRecord[], now: number) {
  const state = stored?.state ?? emptyKnowledge();
  const facts = { id: profileId, traits: stored?.traits ?? {}, firstSeen: stored?.firstSeen ?? 0, lastSeen: stored?.lastSeen ?? 0 };
  const input = ruleInputFor(state, facts, model, now);
  const purposes = [...new Set([...standardPurposes, ...Object.keys(state.c)])];
  return {
    features: input.features as Record<string, unknown>,
    session: input.session as Record<string, unknown>,
    segments: currentSegments(state, facts, model, now).map((s) => ({ id: s.id, enteredAt: s.enteredAt === null ? null : iso(s.enteredAt) })),
    consent: {
      purposes: Object.fromEntries(purposes.map((purpose) => {
        const decision = Object.hasOwn(state.c, purpose) ? state.c[purpose] : undefined;
        return [purpose, { granted: hasConsent(state.c, purpose, model.consent), decidedAt: decision === undefined ? null : iso(decision[1]), source: decision?.[2] ?? null }];
      })),
      history: history.map((h) => ({ purpose: h.purpose, granted: h.granted, source: h.source, at: iso(h.at) })),
    },
    dataQuality: dataQualityView([state.q]),
    items: {
      viewed: (state.r?.v ?? []).map(([id, kind, at]) => ({ id, kind: kind === 1 ? 'cart' as const : 'view' as const, at: iso(at) })).reverse(),
      bought: (state.r?.p ?? []).map(([id, at]) => ({ id, at: iso(at) })).reverse(),
    },
  };
}
