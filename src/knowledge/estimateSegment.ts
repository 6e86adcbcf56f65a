import type { KnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import { personalizes, ruleInputFor } from '../core/knowledge/KnowledgeState.js';
import { sizeEstimate, type SizeEstimate } from '../core/segments/sizeEstimate.js';
import type { KnowledgeReader } from '../store/ports.js';

export interface SegmentEstimateOptions {
  /** The time the rule is evaluated at (the clock's now). */
  readonly now: number;
  /** Profiles read at most: up to this many the count is exact, beyond it an estimate from them. */
  readonly sampleLimit: number;
  /** Matching profile ids to return (0: none). */
  readonly preview: number;
  /** Profiles per read. */
  readonly page?: number;
}

export interface SegmentEstimate {
  readonly estimate: SizeEstimate;
  /** The first matching profile ids in id order, at most `preview` of them. */
  readonly preview: string[];
}

/** Profiles an estimate reads by default: it bounds the work of one check, which the studio's editor asks for at each pause in typing (no benchmark measures it yet). */
export const estimateSampleLimit = 5000;

/**
 * How many profiles segment `segmentId` of `model` would hold if it were saved now, without
 * saving it. Each profile is judged as the re-evaluation after a save judges it
 * (`reevaluateProfiles`): no consent to personalise, no segment; otherwise the compiled
 * segments' `update` over every stored segment, in dependency order. Up to `sampleLimit`
 * profiles the count is exact; past it, the profiles read are the first in id order, which
 * (ids being hashes) is a simple random sample, and `sizeEstimate` scales it with an interval.
 */
export async function estimateSegment(
  store: Pick<KnowledgeReader, 'profileCount' | 'profileKnowledge'>,
  workspaceId: string,
  model: KnowledgeModel,
  segmentId: string,
  options: SegmentEstimateOptions,
): Promise<SegmentEstimate> {
  const { now, sampleLimit, preview } = options;
  const page = Math.max(1, Math.min(options.page ?? 500, sampleLimit));
  const population = await store.profileCount(workspaceId);
  const matches: string[] = [];
  let matched = 0;
  let scanned = 0;
  let after = '';
  let exhausted = false;
  while (scanned < sampleLimit) {
    const ask = Math.min(page, sampleLimit - scanned);
    const rows = await store.profileKnowledge(workspaceId, after, ask);
    for (const row of rows) {
      scanned += 1;
      if (!personalizes(row.state, model)) continue;
      const facts = { id: row.profileId, traits: row.traits, firstSeen: row.firstSeen, lastSeen: row.lastSeen };
      const { memberships } = model.segments.update(row.state.m, ruleInputFor(row.state, facts, model, now), 'all', now);
      if (!Object.hasOwn(memberships, segmentId)) continue;
      matched += 1;
      if (matches.length < preview) matches.push(row.profileId);
    }
    if (rows.length < ask) {
      exhausted = true;
      break;
    }
    after = rows[rows.length - 1]!.profileId;
  }
  // Profiles created while reading: the scan saw every one there was, or the count is too low.
  const total = exhausted ? scanned : Math.max(population, scanned);
  return { estimate: sizeEstimate(matched, scanned, total), preview: matches };
}
