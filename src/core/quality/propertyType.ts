import { numericString } from '../common/readNumber.js';

/**
 * The JSON type of a property value as the data-quality report counts it. A string that is
 * exactly a number (`"12.50"`) is told apart from other strings: features and metrics read it
 * as that number (core/common/readNumber.ts), but a property sent both ways is a change of
 * type worth showing; `integer` is a number without a fraction (a plan may ask for one).
 */
export type ObservedType = 'null' | 'boolean' | 'integer' | 'number' | 'numeric_string' | 'string' | 'object' | 'array';

export const observedTypes: readonly ObservedType[] = ['null', 'boolean', 'integer', 'number', 'numeric_string', 'string', 'object', 'array'];

/** @example propertyType('12.50') // 'numeric_string' */
export function propertyType(value: unknown): ObservedType {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'number';
    case 'string':
      return numericString.test(value) ? 'numeric_string' : 'string';
    default:
      return Array.isArray(value) ? 'array' : 'object';
  }
}

/**
 * Whether an observed type is one a plan's type allows: `number` takes integers too; a
 * numeric string is a string (Segment Protocols would flag `"12.50"` for a number, and so
 * does Attune: the report says the string is still read as a number).
 */
export function typeAllowed(observed: ObservedType, planned: string): boolean {
  if (observed === 'numeric_string') return planned === 'string';
  if (observed === 'integer') return planned === 'integer' || planned === 'number';
  return observed === planned;
}

/**
 * Distinct types of one property, ignoring null (an absent value is not a type): more than one
 * is a change of type. Integer and number are one numeric type here: `12` and `12.5` are both
 * amounts.
 */
export function changesType(types: Iterable<ObservedType>): boolean {
  const kinds = new Set<string>();
  for (const t of types) if (t !== 'null') kinds.add(t === 'integer' ? 'number' : t);
  return kinds.size > 1;
}
