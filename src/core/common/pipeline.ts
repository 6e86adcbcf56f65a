import type { FaultDetail } from '../errors/AttuneError.js';

/**
 * The outcome of one step: the value for the next step, or a rejection that says why.
 * Expected failures are values, never exceptions, so a batch can report each item.
 */
export type StepResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly fault: Omit<FaultDetail, 'index'> };

/** A small named unit of a pipeline. The name appears in rejections and metrics. */
export interface Step<I, O> {
  readonly name: string;
  run(input: I): StepResult<O>;
}

export type PipelineResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly step: string; readonly fault: Omit<FaultDetail, 'index'> };

export function ok<T>(value: T): StepResult<T> {
  return { ok: true, value };
}

export function reject(fault: Omit<FaultDetail, 'index'>): StepResult<never> {
  return { ok: false, fault };
}

/**
 * Composes steps in order; the first rejection stops the run and names its step.
 * The order of a pipeline lives here, in one readable list, not inside the steps.
 *
 * @example const prepare = pipeline<Raw>().then(checkSize).then(validate).build();
 */
export class Pipeline<I, O> {
  private constructor(private readonly steps: readonly Step<unknown, unknown>[]) {}

  static start<I>(): Pipeline<I, I> {
    return new Pipeline<I, I>([]);
  }

  then<N>(step: Step<O, N>): Pipeline<I, N> {
    return new Pipeline<I, N>([...this.steps, step as Step<unknown, unknown>]);
  }

  get stepNames(): readonly string[] {
    return this.steps.map((s) => s.name);
  }

  build(): (input: I) => PipelineResult<O> {
    const steps = this.steps;
    return (input: I) => {
      let current: unknown = input;
      for (const step of steps) {
        const result = step.run(current);
        if (!result.ok) return { ok: false, step: step.name, fault: result.fault };
        current = result.value;
      }
      return { ok: true, value: current as O };
    };
  }
}
