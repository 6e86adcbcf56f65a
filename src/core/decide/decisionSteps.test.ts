import { describe, expect, it } from 'vitest';
import { sequentialIds } from '../common/ports.js';
import { seededRandom, type Random } from '../common/random.js';
import { compileKnowledgeModel, type KnowledgeModel } from '../knowledge/KnowledgeModel.js';
import { emptyKnowledge, type KnowledgeState } from '../knowledge/KnowledgeState.js';
import type { SessionState } from '../session/SessionState.js';
import type { ActionDefinition } from './ActionDefinition.js';
import { emptyCapState, type CapState } from './caps.js';
import { compileDecisionModel, type DecisionModel } from './compileDecisionModel.js';
import { decisionFrame, type DecisionProfile } from './decide.js';
import {
  arbitrate, caps, chooseVariant, consent, decisionSteps, eligibility, render, runPlacement, score,
  type Candidate, type DecisionEnvironment, type DecisionFrame, type DecisionStep, type PlacementRun,
  newPlacementRun,
} from './decisionSteps.js';
import { applyInteraction, readInteraction, type InteractionEventName } from './interactions.js';
import type { PlacementDefinition } from './PlacementDefinition.js';

/**
 * Each step of the decision pipeline on its own: a hand-built PlacementRun, a DecisionFrame
 * from decisionFrame(), and a model compiled against a small knowledge model. The clock and
 * the randomness are injected through the environment.
 */
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const at = (iso: string): number => Date.parse(iso);
const NOW = at('2026-03-20T12:00:00Z');
const LA = 'America/Los_Angeles';

const knowledge = compileKnowledgeModel({
  features: [],
  segments: [
    { id: 'vip', name: 'VIP customers', rule: 'profile.traits.vip == true' },
    { id: 'swiss', name: 'Swiss German visitors', rule: 'context.locale == "de-CH"' },
  ],
});

function action(id: string, over: Partial<ActionDefinition> = {}): ActionDefinition {
  return { id, placements: ['home'], priority: 0, value: 0, variants: { default: { title: `${id} title` } }, ...over };
}

const home: PlacementDefinition = {
  id: 'home', channel: 'web', count: 1, strategy: { kind: 'priority' },
  defaultContent: { title: 'Welcome {{ profile.traits.name | "friend" }}', path: '{{ context.page.path }}' },
};

function placement(id: string, over: Partial<PlacementDefinition> = {}): PlacementDefinition {
  return { ...home, id, ...over };
}

function model(actions: readonly ActionDefinition[], placements: readonly PlacementDefinition[] = [home], k: KnowledgeModel = knowledge): DecisionModel {
  return compileDecisionModel({ actions, placements }, k);
}

interface FrameOptions {
  readonly traits?: Readonly<Record<string, unknown>>;
  readonly state?: Partial<KnowledgeState>;
  readonly context?: Readonly<Record<string, unknown>>;
  readonly explain?: boolean;
  readonly now?: number;
  readonly random?: Random;
  readonly budgetUsed?: (actionId: string) => number | undefined;
  readonly anonymous?: boolean;
}

function environment(options: FrameOptions = {}): DecisionEnvironment {
  const ids = sequentialIds('d');
  return {
    now: options.now ?? NOW,
    random: options.random ?? seededRandom(1),
    newDecisionId: () => ids.next(),
    budgetUsed: options.budgetUsed ?? (() => undefined),
  };
}

function profileFor(options: FrameOptions = {}): DecisionProfile {
  const now = options.now ?? NOW;
  return {
    facts: options.anonymous === true ? null : { id: 'p1', traits: options.traits ?? { name: 'Ada', vip: true }, firstSeen: now - 30 * day, lastSeen: now - hour },
    knowledge: { ...emptyKnowledge(), ...options.state },
  };
}

function frameFor(m: DecisionModel, options: FrameOptions = {}): DecisionFrame {
  return decisionFrame(m, profileFor(options), { placements: [{ id: 'home' }], context: options.context ?? { page: { path: '/home' } }, explain: options.explain ?? true }, environment(options));
}

function newRun(m: DecisionModel, placementId = 'home', count?: number): PlacementRun {
  const compiled = m.placements.get(placementId);
  if (compiled === undefined) throw new Error(`no placement ${placementId}`);
  return newPlacementRun(compiled, count ?? compiled.definition.count);
}

/** Runs the given steps in order, each through its own run(run, frame). */
function through(steps: readonly DecisionStep[], run: PlacementRun, frame: DecisionFrame): PlacementRun {
  for (const step of steps) step.run(run, frame);
  return run;
}

const ids = (candidates: readonly Candidate[]): string[] => candidates.map((c) => c.actionId);

/** A cap state built the way the shell builds it: interaction events read and applied. */
function interact(state: CapState, event: InteractionEventName, actionId: string, when: number, over: Record<string, unknown> = {}): CapState {
  const interaction = readInteraction({
    type: 'track', name: event, timestamp: when,
    properties: { decisionId: `d-${when}`, actionId, placement: 'home', channel: 'web', ...over },
    context: { timezone: LA },
  });
  if (interaction === null) throw new Error('not an interaction event');
  return applyInteraction(state, interaction);
}

function session(start: number, last: number): SessionState {
  return { count: 1, start, last, pages: 1, events: 1, section: null, seconds: [], searchTerms: [], channel: 'direct', campaign: null, referrer: null, device: 'desktop' };
}

describe('eligibility', () => {
  it('lets a valid, enabled action with no rule through, as a scoring candidate', () => {
    const m = model([action('promo', { priority: 4, value: 12 })]);
    const run = newRun(m);
    eligibility.run(run, frameFor(m));
    expect(run.candidates).toHaveLength(1);
    const [candidate] = run.candidates;
    expect(candidate?.actionId).toBe('promo');
    expect(candidate?.priority).toBe(4);
    expect(candidate?.value).toBe(12);
    expect(candidate?.action).toBe(m.actions.get('promo'));
    expect(run.skipped).toEqual([]);
    expect(run.fallback).toBeNull();
  });

  it('keeps the placement\'s action order (by id), whatever the configuration order', () => {
    const m = model([action('zeta'), action('alpha'), action('mid')]);
    const run = newRun(m);
    eligibility.run(run, frameFor(m));
    expect(ids(run.candidates)).toEqual(['alpha', 'mid', 'zeta']);
  });

  it('skips a disabled action', () => {
    const m = model([action('off', { enabled: false }), action('on', { enabled: true })]);
    const run = newRun(m);
    eligibility.run(run, frameFor(m));
    expect(ids(run.candidates)).toEqual(['on']);
    expect(run.skipped).toEqual([{ actionId: 'off', step: 'eligibility', reason: 'disabled' }]);
  });

  describe('schedule, against the injected clock', () => {
    const m = model([action('sale', { schedule: { start: '2026-03-20T12:00:00Z', end: '2026-03-21T12:00:00Z' } })]);
    it.each([
      ['a millisecond before the start', NOW - 1, 'not_started'],
      ['exactly at the start (inclusive)', NOW, null],
      ['a millisecond before the end', NOW + day - 1, null],
      ['exactly at the end (exclusive)', NOW + day, 'ended'],
      ['a week after the end', NOW + 8 * day, 'ended'],
    ] as const)('%s', (_name, now, reason) => {
      const run = newRun(m);
      eligibility.run(run, frameFor(m, { now }));
      if (reason === null) {
        expect(ids(run.candidates)).toEqual(['sale']);
        expect(run.skipped).toEqual([]);
      } else {
        expect(run.candidates).toEqual([]);
        expect(run.skipped).toEqual([{ actionId: 'sale', step: 'eligibility', reason }]);
      }
    });
    it('an open start or end does not limit', () => {
      const open = model([action('from', { schedule: { start: '2026-03-01T00:00:00Z' } }), action('until', { schedule: { end: '2026-04-01T00:00:00Z' } })]);
      const run = newRun(open);
      eligibility.run(run, frameFor(open, { now: at('2030-01-01T00:00:00Z') }));
      expect(ids(run.candidates)).toEqual(['from']);
      expect(run.skipped).toEqual([{ actionId: 'until', step: 'eligibility', reason: 'ended' }]);
    });
  });

  it('evaluates the rule over profile, context and segments', () => {
    const m = model([
      action('for-vips', { rule: 'profile.traits.vip == true' }),
      action('for-pros', { rule: 'profile.traits.plan == "pro"' }),
      action('for-swiss', { rule: 'in_segment("swiss")' }),
      action('for-vip-segment', { rule: 'in_segment("vip")' }),
      action('on-shoes', { rule: 'context.page.path starts_with "/shoes"' }),
    ]);
    const run = newRun(m);
    eligibility.run(run, frameFor(m, { state: { m: { vip: NOW - day } }, context: { locale: 'de-CH', page: { path: '/home' } } }));
    expect(ids(run.candidates)).toEqual(['for-swiss', 'for-vip-segment', 'for-vips']);
    expect(run.skipped).toEqual([
      { actionId: 'for-pros', step: 'eligibility', reason: 'rule_false' },
      { actionId: 'on-shoes', step: 'eligibility', reason: 'rule_false' },
    ]);
  });

  it('a rule that is not exactly true is false (a missing trait reads null)', () => {
    const m = model([action('vip-only', { rule: 'profile.traits.vip' })]);
    const run = newRun(m);
    eligibility.run(run, frameFor(m, { traits: { name: 'Bo' } }));
    expect(run.candidates).toEqual([]);
    expect(run.skipped).toEqual([{ actionId: 'vip-only', step: 'eligibility', reason: 'rule_false' }]);
  });

  it('skips an action whose rule no longer compiles (a deleted feature) as invalid, and it is never chosen', () => {
    // Compiled against a knowledge model without features.orders_90d.
    const m = model([action('loyal', { rule: 'features.orders_90d >= 1', priority: 100 }), action('generic', { priority: 1 })]);
    const loyal = m.actions.get('loyal');
    expect(loyal?.rule).toBeNull();
    expect(loyal?.problems).toHaveLength(1);
    const detail = 'rule does not compile: unknown field "features.orders_90d"; did you mean "features.order_count"? (line 1, column 1)\nfeatures.orders_90d >= 1\n^^^^^^^^^^^^^^^^^^^';
    expect(loyal?.problems[0]).toBe(detail);
    const run = newRun(m);
    eligibility.run(run, frameFor(m));
    expect(ids(run.candidates)).toEqual(['generic']);
    expect(run.skipped).toEqual([{ actionId: 'loyal', step: 'eligibility', reason: 'invalid', detail }]);
    // The whole pipeline never chooses it, even alone.
    const alone = model([action('loyal', { rule: 'features.orders_90d >= 1' })]);
    const result = runPlacement(alone.placements.get('home')!, 1, frameFor(alone));
    expect(result.choices).toEqual([]);
    expect(result.fallback).toBe('no_eligible_action');
    expect(result.decisions.map((d) => d.actionId)).toEqual([null]);
  });

  it('the same rule compiles against a knowledge model that has the feature', () => {
    const withFeature = compileKnowledgeModel({ features: [{ name: 'orders_90d', aggregate: 'count', events: ['Order Completed'], window: '90d' }], segments: [] });
    const m = model([action('loyal', { rule: 'features.orders_90d >= 1' })], [home], withFeature);
    expect(m.actions.get('loyal')?.problems).toEqual([]);
    const run = newRun(m);
    eligibility.run(run, frameFor(m));
    expect(run.skipped).toEqual([{ actionId: 'loyal', step: 'eligibility', reason: 'rule_false' }]);
  });

  it('an invalid action is reported as invalid before anything else (even when disabled)', () => {
    const m = model([action('broken', { enabled: false, schedule: { start: 'soon' } })]);
    const run = newRun(m);
    eligibility.run(run, frameFor(m));
    expect(run.skipped).toEqual([{ actionId: 'broken', step: 'eligibility', reason: 'invalid', detail: 'schedule.start soon is not a date' }]);
  });

  it('skips an action with no variant on the locale chain', () => {
    const m = model([
      action('french-only', { variants: { fr: { title: 'Bonjour' } } }),
      action('german', { variants: { de: { title: 'Hallo' } } }),
      action('everyone', { variants: { default: { title: 'Hello' } } }),
    ]);
    const run = newRun(m);
    eligibility.run(run, frameFor(m, { context: { locale: 'de-CH' } }));
    expect(ids(run.candidates)).toEqual(['everyone', 'german']);
    expect(run.skipped).toEqual([{ actionId: 'french-only', step: 'eligibility', reason: 'no_variant', detail: 'no variant for de-CH -> de -> default' }]);
    // Without a locale only the default counts.
    const plain = newRun(m);
    eligibility.run(plain, frameFor(m, { context: {} }));
    expect(ids(plain.candidates)).toEqual(['everyone']);
    expect(plain.skipped.map((s) => [s.actionId, s.reason, s.detail])).toEqual([['french-only', 'no_variant', 'no variant for default'], ['german', 'no_variant', 'no variant for default']]);
  });

  it('without explain, skips are not listed (the candidates are the same)', () => {
    const m = model([action('off', { enabled: false }), action('on')]);
    const run = newRun(m);
    eligibility.run(run, frameFor(m, { explain: false }));
    expect(ids(run.candidates)).toEqual(['on']);
    expect(run.skipped).toEqual([]);
  });
});

describe('consent', () => {
  const m = model([action('a', { priority: 2 }), action('b', { priority: 1 })]);
  const eligible = (frame: DecisionFrame): PlacementRun => {
    const run = newRun(m);
    eligibility.run(run, frame);
    expect(ids(run.candidates)).toEqual(['a', 'b']);
    return run;
  };

  it('with the personalization purpose (the default), changes nothing', () => {
    const frame = frameFor(m);
    expect(frame.personalization).toBe(true);
    const run = eligible(frame);
    consent.run(run, frame);
    expect(run.fallback).toBeNull();
    expect(ids(run.candidates)).toEqual(['a', 'b']);
    expect(run.skipped).toEqual([]);
  });

  it('a stored refusal of personalization: the default content, every candidate skipped', () => {
    const frame = frameFor(m, { state: { c: { personalization: [false, NOW - day, 'context'] } } });
    expect(frame.personalization).toBe(false);
    const run = eligible(frame);
    consent.run(run, frame);
    expect(run.fallback).toBe('no_consent');
    expect(run.candidates).toEqual([]);
    expect(run.skipped).toEqual([
      { actionId: 'a', step: 'consent', reason: 'no_consent' },
      { actionId: 'b', step: 'consent', reason: 'no_consent' },
    ]);
  });

  it.each([
    ['personalization: false', { personalization: false }],
    ['functional: false (mapped to personalization)', { functional: false }],
    ['Functional: false (categories are case-insensitive)', { Functional: false }],
  ])('a refusal in the request context counts at once: %s', (_name, categoryPreferences) => {
    const frame = frameFor(m, { context: { consent: { categoryPreferences } } });
    expect(frame.personalization).toBe(false);
    const run = eligible(frame);
    consent.run(run, frame);
    expect(run.fallback).toBe('no_consent');
    expect(run.candidates).toEqual([]);
  });

  it('a grant in the request context overrides an older stored refusal', () => {
    const frame = frameFor(m, { state: { c: { personalization: [false, NOW - day, 'context'] } }, context: { consent: { categoryPreferences: { personalization: true } } } });
    expect(frame.personalization).toBe(true);
    const run = eligible(frame);
    consent.run(run, frame);
    expect(run.fallback).toBeNull();
  });

  it('refusing another purpose (marketing) does not stop personalization', () => {
    const frame = frameFor(m, { context: { consent: { categoryPreferences: { advertising: false } } } });
    expect(frame.personalization).toBe(true);
    const run = eligible(frame);
    consent.run(run, frame);
    expect(run.fallback).toBeNull();
  });

  it('without consent, the default content is rendered from the context only: no profile trait leaks into it', () => {
    const frame = frameFor(m, { traits: { name: 'Ada', vip: true }, state: { c: { personalization: [false, NOW - day, 'context'] } }, context: { page: { path: '/home' } } });
    const run = through([eligibility, consent, render], newRun(m), frame);
    expect(run.decisions).toHaveLength(1);
    const [decision] = run.decisions;
    expect(decision?.actionId).toBeNull();
    expect(decision?.variant).toBeNull();
    expect(decision?.content).toEqual({ title: 'Welcome friend', path: '/home' });
    expect(decision?.reasons.fallback).toBe('no_consent');
    expect(decision?.reasons.segments).toEqual([]);
    expect(decision?.reasons.rule).toBeNull();
    // With consent the same default content greets the person by name.
    const consented = frameFor(m, { traits: { name: 'Ada' } });
    const fallback = newRun(m);
    fallback.fallback = 'no_eligible_action';
    render.run(fallback, consented);
    expect(fallback.decisions[0]?.content).toEqual({ title: 'Welcome Ada', path: '/home' });
  });

  it('the whole pipeline stops at consent: caps, scoring and arbitration do not run', () => {
    const frame = frameFor(m, { state: { c: { personalization: [false, NOW - day, 'context'] } } });
    const run = runPlacement(m.placements.get('home')!, 1, frame);
    expect(run.fallback).toBe('no_consent');
    expect(run.choices).toEqual([]);
    expect(frame.chosen.size).toBe(0);
  });

  it('a placement with problems (a propensity rule that no longer compiles) falls back as placement_invalid', () => {
    const broken = model([action('a', { value: 5 })], [placement('home', { strategy: { kind: 'expectedValue', propensity: { rule: 'features.propensity_score' } } })]);
    expect(broken.placements.get('home')?.problems).toHaveLength(1);
    const frame = frameFor(broken);
    const run = newRun(broken);
    eligibility.run(run, frame);
    consent.run(run, frame);
    expect(run.fallback).toBe('placement_invalid');
    expect(run.candidates).toEqual([]);
  });

  // Whatever the fallback, a person who refused personalization gets nothing of their profile in the page.
  it('without consent, a placement_invalid fallback still renders from the context only', () => {
    const broken = model([action('a', { value: 5 })], [placement('home', { strategy: { kind: 'expectedValue', propensity: { rule: 'features.propensity_score' } } })]);
    const frame = frameFor(broken, { traits: { name: 'Ada' }, state: { c: { personalization: [false, NOW - day, 'context'] } } });
    expect(frame.personalization).toBe(false);
    const run = runPlacement(broken.placements.get('home')!, 1, frame);
    expect(run.fallback).toBe('placement_invalid');
    expect(run.decisions[0]?.content).toEqual({ title: 'Welcome friend', path: '/home' });
  });

  // The explanation names the fallback that applied, not always consent.
  it('a placement_invalid fallback does not explain the skips as no_consent', () => {
    const broken = model([action('a', { value: 5 })], [placement('home', { strategy: { kind: 'expectedValue', propensity: { rule: 'features.propensity_score' } } })]);
    const frame = frameFor(broken);
    expect(frame.personalization).toBe(true);
    const run = through([eligibility, consent], newRun(broken), frame);
    expect(run.skipped.map((s) => s.reason)).not.toContain('no_consent');
  });
});

describe('caps', () => {
  // 2026-01-15 in Los Angeles is PST (UTC-8).
  const impression = at('2026-01-16T07:30:00Z'); // 23:30 PST on 2026-01-15
  const sameDay = at('2026-01-16T07:50:00Z'); // 23:50 PST on 2026-01-15
  const nextDay = at('2026-01-16T08:10:00Z'); // 00:10 PST on 2026-01-16

  it('an action without caps passes, however often it was shown', () => {
    let k = emptyCapState();
    for (let i = 0; i < 20; i++) k = interact(k, 'Decision Viewed', 'free', NOW - i * minute);
    const m = model([action('free')]);
    const frame = frameFor(m, { state: { k } });
    const run = through([eligibility, caps], newRun(m), frame);
    expect(ids(run.candidates)).toEqual(['free']);
    expect(run.capped).toEqual([]);
  });

  describe('perProfile per calendar day, in the profile\'s time zone (America/Los_Angeles)', () => {
    const m = model([action('daily', { caps: { perProfile: [{ max: 1, window: 'day' }] } })]);
    const k = () => interact(emptyCapState(), 'Decision Viewed', 'daily', impression);

    it('00:10 local the next day is allowed, 40 minutes after the impression', () => {
      const frame = frameFor(m, { now: nextDay, state: { k: k() }, context: { timezone: LA } });
      expect(frame.timeZone).toBe(LA);
      const run = through([eligibility, caps], newRun(m), frame);
      expect(ids(run.candidates)).toEqual(['daily']);
      expect(run.capped).toEqual([]);
      expect(run.skipped).toEqual([]);
    });

    it('23:50 local the same day is capped, 20 minutes after the impression', () => {
      const frame = frameFor(m, { now: sameDay, state: { k: k() }, context: { timezone: LA } });
      const run = through([eligibility, caps], newRun(m), frame);
      expect(run.candidates).toEqual([]);
      expect(run.capped).toEqual([{ actionId: 'daily', cap: 'perProfile', detail: '1 of 1 impressions today' }]);
      expect(run.skipped).toEqual([{ actionId: 'daily', step: 'caps', reason: 'capped', detail: '1 of 1 impressions today' }]);
    });

    it('the time zone comes from the profile\'s timezone trait when the context has none', () => {
      const frame = frameFor(m, { now: nextDay, traits: { timezone: LA }, state: { k: k() }, context: {} });
      expect(frame.timeZone).toBe(LA);
      expect(through([eligibility, caps], newRun(m), frame).capped).toEqual([]);
    });

    it('in UTC (no zone known) 07:30Z and 08:10Z are the same day: capped', () => {
      const frame = frameFor(m, { now: nextDay, traits: {}, state: { k: k() }, context: {} });
      expect(frame.timeZone).toBeNull();
      const run = through([eligibility, caps], newRun(m), frame);
      expect(run.capped).toEqual([{ actionId: 'daily', cap: 'perProfile', detail: '1 of 1 impressions today' }]);
    });
  });

  describe('perChannelPerDay counts every action on the placement\'s channel per local day', () => {
    const m = model(
      [action('limited', { placements: ['home', 'mail'], caps: { perChannelPerDay: 2 } })],
      [home, placement('mail', { channel: 'email' })],
    );
    let k = emptyCapState();
    k = interact(k, 'Decision Viewed', 'x', at('2026-01-16T06:00:00Z')); // 22:00 PST on 2026-01-15
    k = interact(k, 'Decision Viewed', 'y', at('2026-01-16T07:00:00Z')); // 23:00 PST
    k = interact(k, 'Decision Viewed', 'z', at('2026-01-16T07:10:00Z'), { channel: 'email' });

    it('23:50 local: two impressions on web today, capped', () => {
      const frame = frameFor(m, { now: sameDay, state: { k }, context: { timezone: LA } });
      const run = through([eligibility, caps], newRun(m), frame);
      expect(run.capped).toEqual([{ actionId: 'limited', cap: 'perChannelPerDay', detail: '2 of 2 impressions on channel web on 2026-01-15' }]);
    });
    it('the same instant on the email placement: one impression on email, allowed', () => {
      const frame = frameFor(m, { now: sameDay, state: { k }, context: { timezone: LA } });
      const run = through([eligibility, caps], newRun(m, 'mail'), frame);
      expect(ids(run.candidates)).toEqual(['limited']);
      expect(run.capped).toEqual([]);
    });
    it('00:10 local the next day: allowed', () => {
      const frame = frameFor(m, { now: nextDay, state: { k }, context: { timezone: LA } });
      expect(through([eligibility, caps], newRun(m), frame).capped).toEqual([]);
    });
  });

  describe('cool-downs from applyInteraction on the cap state', () => {
    const m = model([
      action('dismissable', { caps: { dismissCooldown: '1d' } }),
      action('clickable', { caps: { clickCooldown: '7d' } }),
    ]);

    it('a dismiss 2 hours ago blocks for the rest of the day, and only that action', () => {
      const k = interact(emptyCapState(), 'Decision Dismissed', 'dismissable', NOW - 2 * hour);
      const run = through([eligibility, caps], newRun(m), frameFor(m, { state: { k } }));
      expect(ids(run.candidates)).toEqual(['clickable']);
      expect(run.capped).toEqual([{ actionId: 'dismissable', cap: 'dismissCooldown', detail: 'dismissed 2h ago; cool-down 1d, 22h left' }]);
    });
    it('a dismiss exactly a day ago no longer blocks', () => {
      const k = interact(emptyCapState(), 'Decision Dismissed', 'dismissable', NOW - day);
      const run = through([eligibility, caps], newRun(m), frameFor(m, { state: { k } }));
      expect(ids(run.candidates)).toEqual(['clickable', 'dismissable']);
    });
    it('a click a day ago blocks for 6 more days', () => {
      const k = interact(emptyCapState(), 'Decision Clicked', 'clickable', NOW - day);
      const run = through([eligibility, caps], newRun(m), frameFor(m, { state: { k } }));
      expect(ids(run.candidates)).toEqual(['dismissable']);
      expect(run.capped).toEqual([{ actionId: 'clickable', cap: 'clickCooldown', detail: 'clicked 1d ago; cool-down 7d, 6d left' }]);
    });
    it('a click does not start a dismiss cool-down, nor a dismiss a click cool-down; conversions and views change neither', () => {
      let k = interact(emptyCapState(), 'Decision Clicked', 'dismissable', NOW - minute);
      k = interact(k, 'Decision Dismissed', 'clickable', NOW - minute);
      k = interact(k, 'Decision Converted', 'clickable', NOW - minute);
      k = interact(k, 'Decision Viewed', 'dismissable', NOW - minute);
      const run = through([eligibility, caps], newRun(m), frameFor(m, { state: { k } }));
      expect(ids(run.candidates)).toEqual(['clickable', 'dismissable']);
      expect(run.capped).toEqual([]);
    });
  });

  describe('budget, with budgetUsed from the environment', () => {
    const m = model([action('budgeted', { caps: { budget: 5 } }), action('unbudgeted', { caps: { perProfile: [{ max: 3, window: '1h' }] } })]);
    const asked: string[] = [];
    const usage = (used: number | undefined) => (actionId: string): number | undefined => {
      asked.push(actionId);
      return used;
    };

    it.each([
      ['4 of 5 used: allowed', 4, null],
      ['5 of 5 used: capped', 5, '5 of 5 impressions of the budget used'],
      ['9 of 5 used: capped', 9, '9 of 5 impressions of the budget used'],
      ['usage unknown: capped', undefined, 'budget of 5 impressions; usage unknown'],
    ] as const)('%s', (_name, used, detail) => {
      asked.length = 0;
      const run = through([eligibility, caps], newRun(m), frameFor(m, { budgetUsed: usage(used) }));
      // budgetUsed is asked only for actions with a budget.
      expect(asked).toEqual(['budgeted']);
      if (detail === null) {
        expect(ids(run.candidates)).toEqual(['budgeted', 'unbudgeted']);
        expect(run.capped).toEqual([]);
      } else {
        expect(ids(run.candidates)).toEqual(['unbudgeted']);
        expect(run.capped).toEqual([{ actionId: 'budgeted', cap: 'budget', detail }]);
      }
    });
  });

  describe('per session, from the profile\'s live session', () => {
    const m = model([action('once', { caps: { perProfile: [{ max: 1, window: 'session' }] } })]);
    const k = () => interact(emptyCapState(), 'Decision Viewed', 'once', NOW - 35 * minute);

    it('an impression in the live session caps', () => {
      const frame = frameFor(m, { state: { s: session(NOW - 40 * minute, NOW - minute), k: k() } });
      expect(frame.sessionStart).toBe(NOW - 40 * minute);
      const run = through([eligibility, caps], newRun(m), frame);
      expect(run.capped).toEqual([{ actionId: 'once', cap: 'perProfile', detail: '1 of 1 impressions this session' }]);
    });
    it('after 30 minutes without an event the session is over: allowed', () => {
      const frame = frameFor(m, { state: { s: session(NOW - 40 * minute, NOW - 31 * minute), k: k() } });
      expect(frame.sessionStart).toBeUndefined();
      expect(through([eligibility, caps], newRun(m), frame).capped).toEqual([]);
    });
    // The session is live up to and including 30 minutes after its last event (as updateSession and readSession count).
    it('exactly 30 minutes after the last event the session is still live', () => {
      const frame = frameFor(m, { state: { s: session(NOW - 40 * minute, NOW - 30 * minute), k: k() } });
      expect((frame.input.session as { active: boolean }).active).toBe(true);
      expect(frame.sessionStart).toBe(NOW - 40 * minute);
      expect(through([eligibility, caps], newRun(m), frame).capped).toEqual([{ actionId: 'once', cap: 'perProfile', detail: '1 of 1 impressions this session' }]);
    });
  });

  it('lists every capped action, in candidate order, with its first cap', () => {
    const m = model([
      action('b', { caps: { perProfile: [{ max: 1, window: '24h' }], dismissCooldown: '1d' } }),
      action('a', { caps: { perPlacement: [{ max: 2, window: '7d' }] } }),
      action('c'),
    ]);
    let k = interact(emptyCapState(), 'Decision Viewed', 'b', NOW - hour);
    k = interact(k, 'Decision Dismissed', 'b', NOW - hour);
    k = interact(k, 'Decision Viewed', 'a', NOW - 2 * day);
    k = interact(k, 'Decision Viewed', 'a', NOW - day);
    const run = through([eligibility, caps], newRun(m), frameFor(m, { state: { k } }));
    expect(ids(run.candidates)).toEqual(['c']);
    expect(run.capped).toEqual([
      { actionId: 'a', cap: 'perPlacement', detail: '2 of 2 impressions in placement home in 7d' },
      { actionId: 'b', cap: 'perProfile', detail: '1 of 1 impressions in 24h' },
    ]);
  });
});

describe('score', () => {
  const ev = placement('home', { count: 3, strategy: { kind: 'expectedValue', propensity: { rule: 'context.propensity' } } });
  const m = model([action('a', { value: 10 }), action('b', { value: 30 }), action('c', { value: 20, priority: 99 })], [ev]);

  it('evaluates the propensity rule once per request and gives it to every candidate', () => {
    const frame = frameFor(m, { context: { propensity: 0.5 } });
    const run = through([eligibility, score], newRun(m), frame);
    expect(run.candidates.map((c) => [c.actionId, c.propensity])).toEqual([['a', 0.5], ['b', 0.5], ['c', 0.5]]);
    arbitrate.run(run, frame);
    expect(run.choices.map((c) => [c.actionId, c.score, c.probability, c.terms])).toEqual([
      ['b', 15, 1, [{ name: 'propensity', value: 0.5, note: 'from rule' }, { name: 'value', value: 30 }]],
      ['c', 10, 1, [{ name: 'propensity', value: 0.5, note: 'from rule' }, { name: 'value', value: 20 }]],
      ['a', 5, 1, [{ name: 'propensity', value: 0.5, note: 'from rule' }, { name: 'value', value: 10 }]],
    ]);
  });

  it('a propensity above 1 is clamped; a missing one counts as 0 and ties go by id', () => {
    const high = through([eligibility, score, arbitrate], newRun(m), frameFor(m, { context: { propensity: 2 } }));
    expect(high.choices.map((c) => [c.actionId, c.score])).toEqual([['b', 30], ['c', 20], ['a', 10]]);
    expect(high.choices[0]?.terms[0]).toEqual({ name: 'propensity', value: 1, note: 'rule gave 2: clamped to 1' });
    const none = through([eligibility, score, arbitrate], newRun(m), frameFor(m, { context: {} }));
    expect(none.choices.map((c) => [c.actionId, c.score])).toEqual([['a', 0], ['b', 0], ['c', 0]]);
    expect(none.choices[0]?.terms[0]).toEqual({ name: 'propensity', value: 0, note: 'rule gave null, not a number: propensity 0' });
  });

  it('leaves the candidates alone for a strategy without a propensity rule', () => {
    const plain = model([action('a'), action('b')]);
    const run = through([eligibility], newRun(plain), frameFor(plain));
    const before = run.candidates;
    score.run(run, frameFor(plain));
    expect(run.candidates).toBe(before);
    expect(run.candidates.every((c) => !('propensity' in c))).toBe(true);
    const constant = model([action('a', { value: 4 })], [placement('home', { strategy: { kind: 'expectedValue', propensity: { constant: 0.25 } } })]);
    const run2 = through([eligibility, score, arbitrate], newRun(constant), frameFor(constant));
    expect(run2.choices.map((c) => [c.actionId, c.score, c.terms])).toEqual([['a', 1, [{ name: 'propensity', value: 0.25, note: 'from constant' }, { name: 'value', value: 4 }]]]);
  });
});

describe('arbitrate', () => {
  it('priority: highest first up to count, each with probability 1; the rest not chosen', () => {
    const m = model([action('a', { priority: 1 }), action('b', { priority: 5 }), action('c', { priority: 3 })], [placement('home', { count: 2 })]);
    const frame = frameFor(m);
    const run = through([eligibility, arbitrate], newRun(m), frame);
    expect(run.choices.map((c) => [c.actionId, c.score, c.probability, c.terms])).toEqual([
      ['b', 5, 1, [{ name: 'priority', value: 5 }]],
      ['c', 3, 1, [{ name: 'priority', value: 3 }]],
    ]);
    expect([...frame.chosen]).toEqual(['b', 'c']);
    expect(run.skipped).toEqual([{ actionId: 'a', step: 'arbitrate', reason: 'not_chosen' }]);
    expect(run.fallback).toBeNull();
  });

  it('priority ties go by action id', () => {
    const m = model([action('b', { priority: 2 }), action('a', { priority: 2 })]);
    const run = through([eligibility, arbitrate], newRun(m), frameFor(m));
    expect(run.choices.map((c) => c.actionId)).toEqual(['a']);
  });

  describe('weighted random over priorities 1 and 3', () => {
    const weighted = placement('home', { count: 1, strategy: { kind: 'weighted' } });
    const m = model([action('a', { priority: 1 }), action('b', { priority: 3 })], [weighted]);
    const draws = (...values: number[]): Random => {
      let i = 0;
      return { next: () => { const v = values[i++]; if (v === undefined) throw new Error('drew too often'); return v; } };
    };

    it.each([
      ['a draw of 0 picks a, with probability 0.25', 0, 'a', 1, 0.25],
      ['a draw just below 0.25 picks a', 0.2499, 'a', 1, 0.25],
      ['a draw of 0.25 picks b, with probability 0.75', 0.25, 'b', 3, 0.75],
      ['a draw just below 1 picks b', 0.9999, 'b', 3, 0.75],
    ] as const)('%s', (_name, draw, id, weight, probability) => {
      const run = through([eligibility, arbitrate], newRun(m), frameFor(m, { random: draws(draw) }));
      expect(run.choices.map((c) => [c.actionId, c.score, c.probability, c.terms])).toEqual([[id, weight, probability, [{ name: 'weight', value: weight, note: 'from priority' }]]]);
    });

    it('with seeded random: seed 42 (first draw 0.601...) picks b, seed 7 (first draw 0.0117...) picks a', () => {
      expect(through([eligibility, arbitrate], newRun(m), frameFor(m, { random: seededRandom(42) })).choices.map((c) => [c.actionId, c.probability])).toEqual([['b', 0.75]]);
      expect(through([eligibility, arbitrate], newRun(m), frameFor(m, { random: seededRandom(7) })).choices.map((c) => [c.actionId, c.probability])).toEqual([['a', 0.25]]);
    });

    it('a second pick is the remaining action, with probability 1', () => {
      const run = through([eligibility, arbitrate], newRun(m, 'home', 2), frameFor(m, { random: draws(0.5, 0.5) }));
      expect(run.choices.map((c) => [c.actionId, c.probability])).toEqual([['b', 0.75], ['a', 1]]);
    });
  });

  it('the same action is not chosen for two placements of one request', () => {
    const m = model(
      [action('a', { placements: ['home', 'side'], priority: 3 }), action('b', { placements: ['home', 'side'], priority: 2 }), action('c', { placements: ['side'], priority: 1 })],
      [home, placement('side', { count: 2 })],
    );
    const frame = frameFor(m);
    const first = through([eligibility, arbitrate], newRun(m, 'home'), frame);
    expect(first.choices.map((c) => c.actionId)).toEqual(['a']);
    const second = through([eligibility, arbitrate], newRun(m, 'side'), frame);
    expect(second.choices.map((c) => c.actionId)).toEqual(['b', 'c']);
    expect(second.skipped).toEqual([{ actionId: 'a', step: 'arbitrate', reason: 'chosen_elsewhere' }]);
    expect([...frame.chosen]).toEqual(['a', 'b', 'c']);
  });

  it('falls back as all_capped when caps removed candidates, else no_eligible_action', () => {
    const m = model([action('capped', { caps: { dismissCooldown: '1d' } }), action('never', { rule: 'false' })]);
    const k = interact(emptyCapState(), 'Decision Dismissed', 'capped', NOW - hour);
    const capped = through([eligibility, caps, arbitrate], newRun(m), frameFor(m, { state: { k } }));
    expect(capped.choices).toEqual([]);
    expect(capped.fallback).toBe('all_capped');
    const none = through([eligibility, caps, arbitrate], newRun(m), frameFor(m));
    expect(none.choices.map((c) => c.actionId)).toEqual(['capped']);
    expect(none.fallback).toBeNull();
    const empty = model([action('never', { rule: 'false' })]);
    const nothing = through([eligibility, caps, arbitrate], newRun(empty), frameFor(empty));
    expect(nothing.fallback).toBe('no_eligible_action');
  });

  it('only actions chosen elsewhere left: no_eligible_action', () => {
    const m = model([action('a')]);
    const frame = frameFor(m);
    frame.chosen.add('a');
    const run = through([eligibility, arbitrate], newRun(m), frame);
    expect(run.fallback).toBe('no_eligible_action');
    expect(run.skipped).toEqual([{ actionId: 'a', step: 'arbitrate', reason: 'chosen_elsewhere' }]);
  });
});

describe('chooseVariant', () => {
  const variants = { 'de-CH': { title: 'Grüezi' }, de: { title: 'Hallo' }, default: { title: 'Hello' } };
  const m = model([
    action('all', { priority: 3, variants }),
    action('de', { priority: 2, variants: { de: { title: 'Hallo' }, default: { title: 'Hello' } } }),
    action('plain', { priority: 1, variants: { default: { title: 'Hello {{ profile.traits.name }}' } } }),
  ], [placement('home', { count: 3 })]);

  it('de-CH -> de -> default, per choice, in choice order, unrendered', () => {
    const frame = frameFor(m, { context: { locale: 'de-CH' } });
    const run = through([eligibility, arbitrate, chooseVariant], newRun(m), frame);
    expect(run.variants).toEqual([
      { locale: 'de-CH', content: { title: 'Grüezi' } },
      { locale: 'de', content: { title: 'Hallo' } },
      { locale: 'default', content: { title: 'Hello {{ profile.traits.name }}' } },
    ]);
  });

  it.each([
    ['de_ch is normalised to de-CH', 'de_ch', ['de-CH', 'de', 'default']],
    ['de-AT falls back to de', 'de-AT', ['de', 'de', 'default']],
    ['fr falls back to default', 'fr', ['default', 'default', 'default']],
    ['no locale: default', undefined, ['default', 'default', 'default']],
    ['a malformed locale: default', 'not a locale', ['default', 'default', 'default']],
  ] as const)('%s', (_name, locale, expected) => {
    const frame = frameFor(m, { context: locale === undefined ? {} : { locale } });
    const run = through([eligibility, arbitrate, chooseVariant], newRun(m), frame);
    expect(run.variants.map((v) => v.locale)).toEqual(expected);
  });

  it('throws for a choice with no variant on the chain (eligibility keeps those out)', () => {
    const french = model([action('fr', { variants: { fr: { title: 'Bonjour' } } })]);
    const frame = frameFor(french, { context: { locale: 'de' } });
    const run = newRun(french);
    const compiled = french.actions.get('fr')!;
    run.choices = [{ actionId: 'fr', candidate: { actionId: 'fr', priority: 0, value: 0, action: compiled }, score: 0, probability: 1, terms: [] }];
    expect(() => chooseVariant.run(run, frame)).toThrow('no variant for fr');
  });
});

describe('render', () => {
  const hostile = '<script>alert(1)</script>';
  const m = model([action('greet', {
    rule: 'in_segment("vip")',
    priority: 7,
    variants: {
      default: {
        title: 'Hi {{ profile.traits.name }}', raw: '{{{ profile.traits.name }}}', path: '{{ context.page.path }}', n: 3, list: ['{{ profile.traits.name | "x" }}'],
        html: '<b>Sale</b>', body: '{{{ content.html }}} {{{ action.id }}}', ref: '{{{ context.ref }}}',
      },
    },
  })]);

  it('HTML-escapes a trait in the decision content, even in {{{ }}}; {{{ }}} is raw for the content and the action only', () => {
    const frame = frameFor(m, { traits: { name: hostile, vip: true }, state: { m: { vip: NOW - day } }, context: { page: { path: '/home' }, ref: '"><script>x</script>' } });
    const run = through([eligibility, consent, caps, score, arbitrate, chooseVariant, render], newRun(m), frame);
    expect(run.decisions).toHaveLength(1);
    const [decision] = run.decisions;
    expect(decision?.content).toEqual({
      title: 'Hi &lt;script&gt;alert(1)&lt;/script&gt;',
      raw: '&lt;script&gt;alert(1)&lt;/script&gt;',
      path: '/home',
      n: 3,
      list: ['&lt;script&gt;alert(1)&lt;/script&gt;'],
      html: '<b>Sale</b>',
      body: '<b>Sale</b> greet',
      ref: '&quot;&gt;&lt;script&gt;x&lt;/script&gt;',
    });
    expect(decision).toEqual({
      decisionId: 'd-1',
      actionId: 'greet',
      variant: 'default',
      content: decision?.content,
      score: 7,
      probability: 1,
      reasons: { rule: 'in_segment("vip")', segments: ['vip'], terms: [{ name: 'priority', value: 7 }], strategy: 'priority', capped: [], skipped: [] },
    });
  });

  it('renders hand-built choices and variants, one decision id each', () => {
    const two = model([action('a'), action('b')], [placement('home', { count: 2 })]);
    const frame = frameFor(two, { explain: false, traits: { name: 'Ada & Bo' } });
    const run = newRun(two);
    const candidate = (id: string): Candidate => ({ actionId: id, priority: 0, value: 0, action: two.actions.get(id)! });
    run.choices = [
      { actionId: 'b', candidate: candidate('b'), score: 2, probability: 0.5, terms: [{ name: 'weight', value: 2 }] },
      { actionId: 'a', candidate: candidate('a'), score: 1, probability: 1, terms: [{ name: 'weight', value: 1 }] },
    ];
    run.variants = [{ locale: 'de', content: 'Hallo {{ profile.traits.name }}' }, { locale: 'default', content: ['{{ profile.id }}'] }];
    render.run(run, frame);
    expect(run.decisions).toEqual([
      { decisionId: 'd-1', actionId: 'b', variant: 'de', content: 'Hallo Ada &amp; Bo', score: 2, probability: 0.5, reasons: { rule: null, segments: [], terms: [{ name: 'weight', value: 2 }], strategy: 'priority', capped: [] } },
      { decisionId: 'd-2', actionId: 'a', variant: 'default', content: ['p1'], score: 1, probability: 1, reasons: { rule: null, segments: [], terms: [{ name: 'weight', value: 1 }], strategy: 'priority', capped: [] } },
    ]);
  });

  it('a fallback renders the placement\'s default content with the profile (consented), escaped', () => {
    const frame = frameFor(m, { traits: { name: hostile } });
    const run = newRun(m);
    run.fallback = 'all_capped';
    run.capped.push({ actionId: 'greet', cap: 'budget', detail: 'budget of 1 impressions; usage unknown' });
    render.run(run, frame);
    expect(run.decisions).toEqual([{
      decisionId: 'd-1', actionId: null, variant: null,
      content: { title: 'Welcome &lt;script&gt;alert(1)&lt;/script&gt;', path: '/home' },
      score: null, probability: 1,
      reasons: { rule: null, segments: [], terms: [], strategy: 'priority', capped: [{ actionId: 'greet', cap: 'budget', detail: 'budget of 1 impressions; usage unknown' }], fallback: 'all_capped', skipped: [] },
    }]);
  });

  it('lists at most 20 capped actions in the reasons', () => {
    const frame = frameFor(m);
    const run = newRun(m);
    run.fallback = 'all_capped';
    for (let i = 0; i < 25; i++) run.capped.push({ actionId: `a${i}`, cap: 'budget', detail: 'x' });
    render.run(run, frame);
    expect(run.decisions[0]?.reasons.capped.map((c) => c.actionId)).toEqual(Array.from({ length: 20 }, (_, i) => `a${i}`));
  });
});

describe('decisionSteps', () => {
  it('are the eleven steps, in order', () => {
    expect(decisionSteps.map((s) => s.name)).toEqual(['experiment', 'eligibility', 'consent', 'recommendations', 'caps', 'score', 'arbitrate', 'chooseVariant', 'render', 'shadow', 'contextualRecord']);
  });
});
