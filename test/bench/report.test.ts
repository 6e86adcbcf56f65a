import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { summaryProblems, writeVerifiedResults, type Check } from '../../bench/support/report.js';

/** The one way a benchmark writes its results: only a verified run with a summary of finite numbers. */
describe('writeVerifiedResults', () => {
  let dir: string;
  let exitCode: typeof process.exitCode;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'attune-bench-report-'));
    exitCode = process.exitCode;
    process.exitCode = 0;
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => {
    process.exitCode = exitCode;
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  const result = { benchmark: 'sample', summary: { eventsPerSecond: 1234, ratio: 0.31 }, detail: { runs: [1, 2] } };
  const passed: Check = { name: 'stored equals acknowledged', ok: true, detail: '10 of 10' };
  const failed: Check = { name: 'unit values', ok: false, detail: 'values DIFFER' };

  it('writes a verified run, with verified: true and its checks', () => {
    const path = writeVerifiedResults(result, [passed], { write: true, dir });
    expect(path).toBe(join(dir, 'sample.json'));
    const file = JSON.parse(readFileSync(path!, 'utf8')) as Record<string, unknown>;
    expect(file).toMatchObject({ benchmark: 'sample', summary: { eventsPerSecond: 1234, ratio: 0.31 }, verified: true, checks: [{ name: 'stored equals acknowledged', detail: '10 of 10' }], detail: { runs: [1, 2] } });
    expect(process.exitCode).toBe(0);
  });

  it('writes nothing and exits non-zero when a check fails', () => {
    expect(writeVerifiedResults(result, [passed, failed], { write: true, dir })).toBeNull();
    expect(existsSync(join(dir, 'sample.json'))).toBe(false);
    expect(process.exitCode).toBe(1);
    expect(console.error).toHaveBeenCalledWith('check failed: unit values: values DIFFER');
  });

  it('refuses a benchmark that checks nothing', () => {
    expect(writeVerifiedResults(result, [], { write: true, dir })).toBeNull();
    expect(existsSync(join(dir, 'sample.json'))).toBe(false);
    expect(process.exitCode).toBe(1);
  });

  it('refuses a summary with a figure that is not a finite number', () => {
    expect(writeVerifiedResults({ ...result, summary: { eventsPerSecond: Number.NaN } }, [passed], { write: true, dir })).toBeNull();
    expect(existsSync(join(dir, 'sample.json'))).toBe(false);
    expect(process.exitCode).toBe(1);
  });

  it('checks a quick run without writing it, and still fails it on a failed check or a bad summary', () => {
    expect(writeVerifiedResults(result, [passed], { write: false, dir })).toBeNull();
    expect(existsSync(join(dir, 'sample.json'))).toBe(false);
    expect(process.exitCode).toBe(0);
    writeVerifiedResults({ ...result, summary: {} }, [passed], { write: false, dir });
    expect(process.exitCode).toBe(1);
    process.exitCode = 0;
    writeVerifiedResults(result, [failed], { write: false, dir });
    expect(process.exitCode).toBe(1);
  });
});

describe('summaryProblems', () => {
  it.each([
    ['not an object', 3, ['summary is not an object']],
    ['null', null, ['summary is not an object']],
    ['empty', {}, ['summary is empty']],
    ['nested', { a: { b: 1 } }, ['summary.a is {"b":1}, not a finite number']],
    ['null figure', { a: null }, ['summary.a is null, not a finite number']],
    ['infinite', { a: Infinity }, ['summary.a is null, not a finite number']],
    ['a string', { a: '12' }, ['summary.a is "12", not a finite number']],
    ['flat numbers', { a: 1, b: 0, c: -2.5 }, []],
  ])('%s', (_what, summary, problems) => {
    expect(summaryProblems(summary)).toEqual(problems);
  });
});
