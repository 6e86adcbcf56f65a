import type { ReactNode } from 'react';

/** One figure at a glance: a label, the number and a line of context. */
export function Stat({ label, value, note }: { readonly label: string; readonly value: ReactNode; readonly note?: ReactNode }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd>
        <span className="stat-value">{value}</span>
        {note === undefined ? null : <span className="stat-note">{note}</span>}
      </dd>
    </div>
  );
}

const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });

export const formatInteger = (n: number) => integer.format(n);
export const formatDecimal = (n: number) => decimal.format(n);
export const formatShare = (n: number | null) => (n === null ? 'n/a' : `${decimal.format(n * 100)}%`);
