import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import cases from './bestSendTime.cases.json' with { type: 'json' };
import { HOURS, utcHour } from './ActivityHours.js';
import { DEFAULT_PRIOR_STRENGTH, NEIGHBOUR_KERNEL, bestSendTime, sumHistograms, type BestSendTime, type BestSendTimeInput } from './bestSendTime.js';

const hour = 3_600_000;
const day = 24 * hour;
const at = (iso: string): number => Date.parse(iso);
const T0 = at('2026-03-20T12:00:00Z');

/** A histogram as written in the cases: 24 counts, or sparse `{hour: count}`, or null for none. */
type CaseHistogram = readonly number[] | Readonly<Record<string, number>> | null;
interface Case {
  readonly name: string;
  readonly input: {
    readonly profile: CaseHistogram;
    readonly workspace: CaseHistogram;
    readonly priorStrength?: number;
    readonly timeZone: string | null;
    readonly now: string;
    readonly defaultHourLocal?: number;
  };
  readonly expected: Omit<BestSendTime, 'nextSendAt' | 'histogram'> & { readonly nextSendAt: string };
}

function histogram(written: CaseHistogram): number[] | undefined {
  if (written === null) return undefined;
  if (Array.isArray(written)) return [...(written as readonly number[])];
  const counts = new Array<number>(HOURS).fill(0);
  for (const [h, count] of Object.entries(written)) counts[Number(h)] = count;
  return counts;
}

function hours(sparse: Readonly<Record<number, number>>): number[] {
  return histogram(sparse)!;
}

/** What every answer satisfies, whatever its inputs. */
function expectInvariants(result: BestSendTime, now: number): void {
  expect(result.histogram).toHaveLength(HOURS);
  expect(result.histogram.every((share) => share >= 0)).toBe(true);
  expect(result.histogram.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  // The best hour is the first largest share; by default the shares are uniform and the hour is the default local hour.
  if (result.basis !== 'default') expect(result.histogram.findIndex((share) => share >= Math.max(...result.histogram) - 1e-12)).toBe(result.hourUtc);
  expect(result.nextSendAt).toBeGreaterThan(now);
  expect(result.nextSendAt % hour).toBe(0);
  expect(utcHour(result.nextSendAt)).toBe(result.hourUtc);
  if (result.basis !== 'default') expect(result.nextSendAt).toBeLessThanOrEqual(now + day);
  else expect(result.nextSendAt).toBeLessThanOrEqual(now + 2 * day);
}

describe('bestSendTime (bestSendTime.cases.json)', () => {
  it.each((cases.bestSendTime as unknown as readonly Case[]).map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const now = at(c.input.now);
    const input: BestSendTimeInput = {
      profile: histogram(c.input.profile),
      workspace: histogram(c.input.workspace),
      priorStrength: c.input.priorStrength,
      timeZone: c.input.timeZone,
      now,
      defaultHourLocal: c.input.defaultHourLocal,
    };
    const result = bestSendTime(input);
    const { histogram: _histogram, ...rest } = result;
    expect(rest).toEqual({ ...c.expected, nextSendAt: at(c.expected.nextSendAt) });
    expectInvariants(result, now);
  });
});

describe('bestSendTime', () => {
  it('returns the smoothed posterior shares as the histogram', () => {
    // Posterior: 10 at 06:00 plus 20 / 24 everywhere, 30 in all.
    const result = bestSendTime({ profile: hours({ 6: 10 }), timeZone: null, now: T0 });
    const prior = DEFAULT_PRIOR_STRENGTH / HOURS / 30;
    expect(result.histogram[6]).toBeCloseTo(prior + 0.5 * (10 / 30), 12);
    expect(result.histogram[5]).toBeCloseTo(prior + 0.25 * (10 / 30), 12);
    expect(result.histogram[7]).toBeCloseTo(prior + 0.25 * (10 / 30), 12);
    expect(result.histogram[12]).toBeCloseTo(prior, 12);
  });

  it('gives the workspace\'s smoothed shares when the profile has no data, whatever the prior strength', () => {
    const workspace = hours({ 18: 60, 19: 20, 23: 20 });
    const a = bestSendTime({ workspace, timeZone: null, now: T0 });
    const b = bestSendTime({ workspace, priorStrength: 1000, timeZone: null, now: T0 });
    expect(a.histogram).toEqual(b.histogram);
    expect(a.histogram[0]).toBeCloseTo(0.25 * 0.2, 12); // 23:00 spreads over midnight
    expect(a.histogram[18]).toBeCloseTo(0.5 * 0.6 + 0.25 * 0.2, 12);
  });

  it('gives uniform shares by default', () => {
    expect(bestSendTime({ timeZone: 'Europe/Zurich', now: T0 }).histogram).toEqual(new Array<number>(HOURS).fill(1 / HOURS));
  });

  it('uses only the profile with priorStrength 0', () => {
    const result = bestSendTime({ profile: hours({ 3: 1 }), workspace: hours({ 18: 1000 }), priorStrength: 0, timeZone: null, now: T0 });
    expect(result).toMatchObject({ hourUtc: 3, basis: 'profile', profileEvents: 1 });
    expect(result.histogram[18]).toBe(0);
  });

  it('reads invalid counts and options as documented, without throwing', () => {
    const result = bestSendTime({ profile: [Number.NaN, -5, Number.POSITIVE_INFINITY, 2], workspace: [1, 2], priorStrength: -1, timeZone: '', now: T0, defaultHourLocal: 3.5 });
    // Only the 2 at 03:00 counts; the prior is the workspace's { 0: 1/3, 1: 2/3 } at the default strength.
    expect(result).toMatchObject({ profileEvents: 2, basis: 'blended', timeZone: 'UTC', hourUtc: 1 });
    expect(bestSendTime({ profile: new Array<number>(30).fill(1), timeZone: null, now: T0 }).profileEvents).toBe(24);
  });

  it('the kernel sums to 1, so the histogram still sums to 1', () => {
    expect(NEIGHBOUR_KERNEL.reduce((a, b) => a + b, 0)).toBe(1);
  });

  const counts = fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1000, noNaN: true })), { minLength: HOURS, maxLength: HOURS });
  const zones = fc.constantFrom(null, 'UTC', 'Asia/Kolkata', 'America/New_York', 'Europe/Zurich', 'Pacific/Chatham', 'Australia/Lord_Howe', 'Nope/Nowhere');
  const now = fc.integer({ min: at('2020-01-01T00:00:00Z'), max: at('2035-01-01T00:00:00Z') });

  it('keeps its invariants for any counts, zone and time', () => {
    fc.assert(fc.property(fc.option(counts), fc.option(counts), fc.double({ min: 0, max: 200, noNaN: true }), zones, now, (profile, workspace, priorStrength, timeZone, t) => {
      const result = bestSendTime({ profile: profile ?? undefined, workspace: workspace ?? undefined, priorStrength, timeZone, now: t });
      expectInvariants(result, t);
      const profileTotal = (profile ?? []).reduce((a, b) => a + b, 0);
      const workspaceTotal = (workspace ?? []).reduce((a, b) => a + b, 0);
      expect(result.basis).toBe(profileTotal > 0 ? (profileTotal >= priorStrength ? 'profile' : 'blended') : workspaceTotal > 0 ? 'workspace' : 'default');
    }), { numRuns: 300 });
  });

  it('more engagement at the best hour never moves the best hour', () => {
    fc.assert(fc.property(counts, fc.option(counts), fc.double({ min: 0.01, max: 100, noNaN: true }), now, (profile, workspace, more, t) => {
      const before = bestSendTime({ profile, workspace: workspace ?? undefined, timeZone: null, now: t });
      const after = bestSendTime({ profile: profile.map((c, h) => (h === before.hourUtc ? c + more : c)), workspace: workspace ?? undefined, timeZone: null, now: t });
      expect(after.hourUtc).toBe(before.hourUtc);
    }), { numRuns: 300 });
  });

  it('the default local hour is that hour in every zone and at every time', () => {
    fc.assert(fc.property(zones, now, fc.integer({ min: 0, max: 23 }), (timeZone, t, defaultHourLocal) => {
      const result = bestSendTime({ timeZone, now: t, defaultHourLocal });
      expect(result.basis).toBe('default');
      // Unless the hour is skipped that day by a change of summer time, which moves it to the next day.
      expect(result.hourLocal).toBe(defaultHourLocal);
      expectInvariants(result, t);
    }), { numRuns: 300 });
  });
});

describe('sumHistograms', () => {
  it('adds 24-hour histograms element-wise, skipping missing ones and invalid counts', () => {
    const total = sumHistograms([hours({ 9: 1.25, 10: 2 }), undefined, hours({ 9: 0.1, 23: 3 }), [Number.NaN, -1, 4]]);
    expect(total).toEqual(hours({ 2: 4, 9: 1.35, 10: 2, 23: 3 }));
  });

  it('gives 24 zeros for no histograms, which bestSendTime reads as no workspace data', () => {
    const empty = sumHistograms([]);
    expect(empty).toEqual(new Array<number>(HOURS).fill(0));
    expect(bestSendTime({ workspace: empty, timeZone: null, now: T0 }).basis).toBe('default');
  });

  it('takes any iterable, such as a generator over profiles', () => {
    function* profiles(): Generator<number[]> {
      for (let i = 0; i < 1000; i++) yield hours({ [i % 3]: 0.01 });
    }
    expect(sumHistograms(profiles()).slice(0, 4)).toEqual([3.34, 3.33, 3.33, 0]);
  });
});
