import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultsDir, summaryProblems } from '../../bench/support/report.js';

/**
 * The committed results files (what docs/BENCHMARKS.md quotes): each from a run that verified,
 * each with a top-level `summary` of flat, finite numbers named as in the issues.
 */

/** The figures each benchmark's summary must carry (issues 10, 12, 13, 14, 15, 16 and 17). */
const required: Readonly<Record<string, readonly string[]>> = {
  ingest: ['eventsPerSecond', 'floorEventsPerSecond', 'ratio', 'singleEventP99Ms'],
  know: ['eventsPerSecondWithSegments', 'ratioToLogFloor', 'ruleEvalNanos', 'bytesPerProfile'],
  decide: ['inProcessP50Micros', 'inProcessP99Micros', 'ratio', 'peerRatio', 'coldP99Micros'],
  measure: ['aggregationNanosPerEvent', 'analysisMillisFor100Experiments'],
  memory: ['heapBytesPerProfile', 'storedBytesPerProfile', 'recoverySecondsPerMillionEvents'],
  recommend: ['easeTrainSeconds', 'modelBytes', 'ndcgAt10', 'recommendP99Micros', 'eventsPerSecondWithRecommenders', 'recommendersRatio'],
  learn: ['banditDecisionMicrosP99', 'contextualDecisionMicrosP99', 'priorityDecisionMicrosP99', 'rewardsPerSecond', 'opeSecondsPerMillionDecisions'],
  predict: ['kmeansSecondsFor100kProfiles', 'bgnbdFitSeconds', 'scoreMicrosPerProfile'],
  studio: ['bundleKilobytesGzipped', 'largestPageLoadMillis'],
  govern: ['exportMillisP99', 'erasureMillisP99', 'decideOverheadMicros'],
};

const files = readdirSync(resultsDir).filter((f) => f.endsWith('.json'));

describe('bench/results', () => {
  it('holds a file for every benchmark', () => {
    expect(files.map((f) => f.replace(/\.json$/, '')).sort()).toEqual(Object.keys(required).sort());
  });

  it.each(files)('%s is a verified run with a flat summary', (file) => {
    const data = JSON.parse(readFileSync(join(resultsDir, file), 'utf8')) as Record<string, unknown>;
    const name = file.replace(/\.json$/, '');
    expect(data['benchmark']).toBe(name);
    expect(data['verified']).toBe(true);
    expect(JSON.stringify(data)).not.toContain('"verified":false');
    expect(summaryProblems(data['summary'])).toEqual([]);
    expect(Object.keys(data['summary'] as object)).toEqual(expect.arrayContaining([...(required[name] ?? [])]));
    // The machine is shared: every file says how loaded it was.
    if (name !== 'measure') expect(data['loadAverage']).toMatchObject({ atStart: expect.any(Array), atEnd: expect.any(Array) });
  });
});
