/**
 * One purchase, as the predictive models read it: who, which calendar day (UTC), how much.
 * Days are whole days since 1970-01-01 so that "orders on the same day are one purchase"
 * (the lifetimes convention) is an equality test, and weeks are `days / 7`.
 */
export interface Order {
  readonly customerId: string;
  /** Days since 1970-01-01 (UTC). */
  readonly day: number;
  /** The order's value; 0 when the source has none. */
  readonly amount: number;
}

/** A line that could not be read, by its 1-based number in the file. */
export interface RejectedLine {
  readonly line: number;
  readonly reason: string;
}

/** Orders read from a text, with the lines that were rejected (nothing valid is dropped). */
export interface ParsedOrders {
  readonly orders: readonly Order[];
  readonly rejected: readonly RejectedLine[];
}

const MILLIS_PER_DAY = 86_400_000;

/** `yyyymmdd` or `yyyy-mm-dd` to days since the epoch; undefined when it is not a real date. */
export function dayOf(text: string): number | undefined {
  const match = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text.trim());
  if (match === null) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const millis = Date.UTC(year, month - 1, day);
  const back = new Date(millis);
  // Date.UTC rolls 1997-02-30 over to March; a date that does not round-trip is not a date.
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) return undefined;
  return millis / MILLIS_PER_DAY;
}

/** Days since the epoch back to `yyyy-mm-dd`. */
export function isoDateOf(day: number): string {
  return new Date(day * MILLIS_PER_DAY).toISOString().slice(0, 10);
}
