import { describe, expect, it } from 'vitest';
import { ok, Pipeline, reject, type Step } from './pipeline.js';

const calls: string[] = [];

function step<I, O>(name: string, f: (input: I) => O): Step<I, O> {
  return { name, run: (input) => { calls.push(name); return ok(f(input)); } };
}

const refuseOdd: Step<number, number> = {
  name: 'refuseOdd',
  run(input) {
    calls.push('refuseOdd');
    return input % 2 === 0 ? ok(input) : reject({ code: 'ATTUNE_EVENT_INVALID', field: '/n', message: `${input} is odd` });
  },
};

describe('Pipeline', () => {
  it('runs the steps in the order they were added, each on the previous output', () => {
    calls.length = 0;
    const run = Pipeline.start<string>()
      .then(step('parse', (s: string) => Number(s)))
      .then(step('double', (n: number) => n * 2))
      .then(step('describe', (n: number) => `n=${n}`))
      .build();
    expect(run('21')).toEqual({ ok: true, value: 'n=42' });
    expect(calls).toEqual(['parse', 'double', 'describe']);
  });

  it('stops at the first rejection and names the step that rejected', () => {
    calls.length = 0;
    const run = Pipeline.start<number>()
      .then(step('increment', (n: number) => n + 1))
      .then(refuseOdd)
      .then(step('never', (n: number) => n))
      .build();
    expect(run(2)).toEqual({ ok: false, step: 'refuseOdd', fault: { code: 'ATTUNE_EVENT_INVALID', field: '/n', message: '3 is odd' } });
    expect(calls).toEqual(['increment', 'refuseOdd']);
  });

  it('passes the value through when a step accepts', () => {
    const run = Pipeline.start<number>().then(refuseOdd).build();
    expect(run(4)).toEqual({ ok: true, value: 4 });
  });

  it('returns the input unchanged when it has no steps', () => {
    const input = { a: 1 };
    const result = Pipeline.start<{ a: number }>().build()(input);
    expect(result.ok && result.value).toBe(input);
  });

  it('lists its step names in order', () => {
    const pipeline = Pipeline.start<number>().then(refuseOdd).then(step('double', (n: number) => n * 2));
    expect(pipeline.stepNames).toEqual(['refuseOdd', 'double']);
  });

  it('is immutable: then() returns a new pipeline and leaves the original as it was', () => {
    const base = Pipeline.start<number>().then(refuseOdd);
    const longer = base.then(step('double', (n: number) => n * 2));
    expect(base.stepNames).toEqual(['refuseOdd']);
    expect(longer.stepNames).toEqual(['refuseOdd', 'double']);
    expect(base.build()(2)).toEqual({ ok: true, value: 2 });
    expect(longer.build()(2)).toEqual({ ok: true, value: 4 });
  });

  it('builds a function that can run many times, each run independent of the last', () => {
    const run = Pipeline.start<number>().then(refuseOdd).then(step('double', (n: number) => n * 2)).build();
    expect([run(2), run(3), run(8)].map((r) => (r.ok ? r.value : r.step))).toEqual([4, 'refuseOdd', 16]);
  });
});

describe('ok and reject', () => {
  it('make the two kinds of step result', () => {
    expect(ok(5)).toEqual({ ok: true, value: 5 });
    expect(reject({ code: 'ATTUNE_EVENT_TOO_LARGE', message: 'big' })).toEqual({ ok: false, fault: { code: 'ATTUNE_EVENT_TOO_LARGE', message: 'big' } });
  });
});
