import { expect } from 'vitest';
import { sharedReference } from '../../../../test/support/sharedReference.js';

/**
 * The shared stats reference file (../shared/reference/stats-reference-cases.json) as the
 * reference tests read it, and the one rule they check by: a value agrees when it is within
 * the case's `tol`, else within half a unit in the last decimal place the file shows.
 */
export type Json = number | string | boolean | null | Json[] | { [key: string]: Json };
export type Obj = { [key: string]: Json };
export interface AnchorCase { id: string; input: Obj; expected: Obj; tol?: number; tol_rel?: number }
interface Reference { anchor_cases: AnchorCase[]; derived_cases_not_published_by_anchors: Obj[] }

const shared = sharedReference<Reference>('stats-reference-cases.json');
const reference: Reference = shared.data ?? { anchor_cases: [], derived_cases_not_published_by_anchors: [] };

export const referencePresent = shared.data !== null;

/** A suite's name, with the reason it is skipped when the file is absent. */
export function referenceSuite(name: string): string {
  return referencePresent ? name : `${name} (${shared.skipReason})`;
}

/** An anchor case by id (or id prefix); `same_as` inherits the inputs of another case. */
export function anchor(id: string): AnchorCase {
  const found = reference.anchor_cases.find((c) => c.id === id || c.id.startsWith(`${id} `));
  if (!found) throw new Error(`no anchor case ${id}`);
  const sameAs = found.input['same_as'];
  return typeof sameAs === 'string' ? { ...found, input: { ...anchor(sameAs).input, ...found.input } } : found;
}

/** Rows for it.each; none when the file is absent. */
export const anchors = (ids: string[]): [string, AnchorCase][] => (referencePresent ? ids.map((id) => [id, anchor(id)]) : []);

export function derived(id: string): Obj {
  const found = reference.derived_cases_not_published_by_anchors.find((c) => c['id'] === id);
  if (!found) throw new Error(`no derived case ${id}`);
  return found;
}

/** Decimal places shown in a JSON number. */
function decimals(value: number): number {
  const text = String(value);
  const exp = /e-(\d+)$/.exec(text);
  const [mantissa] = text.split('e');
  const places = mantissa!.includes('.') ? mantissa!.split('.')[1]!.length : 0;
  return places + (exp ? Number(exp[1]) : 0);
}

export function expectDigits(actual: number, expected: Json | undefined, tol?: number): void {
  const want = expected === 'inf' ? Infinity : expected === '-inf' ? -Infinity : expected;
  if (typeof want !== 'number') throw new Error(`expected a number, got ${JSON.stringify(expected)}`);
  if (!Number.isFinite(want)) {
    expect(actual).toBe(want);
    return;
  }
  const tolerance = (tol ?? 0.5 * 10 ** -decimals(want)) + 1e-12;
  expect(Math.abs(actual - want), `${actual} vs ${want} (tolerance ${tolerance})`).toBeLessThanOrEqual(tolerance);
}

export const num = (o: Obj, key: string): number => {
  const v = o[key];
  if (typeof v !== 'number') throw new Error(`${key} is not a number`);
  return v;
};

export const obj = (o: Obj, key: string): Obj => {
  const v = o[key];
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${key} is not an object`);
  return v;
};

export const numbers = (o: Obj, key: string): number[] => {
  const v = o[key];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw new Error(`${key} is not a list of numbers`);
  return v as number[];
};
