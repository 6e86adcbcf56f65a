import { useState } from 'react';
import type { AdminClient } from '../AdminClient.js';
import { ScrollRegion } from '../components/ScrollRegion.js';
import { problemText } from '../components/Section.js';
import { formatInteger } from '../components/Stat.js';
import { useAsync } from '../components/useAsync.js';
import { overlapMatrix, type OverlapView } from './segmentFigures.js';

/** The API compares 2 to 12 segments at once (GET /admin/v1/segments/overlap). */
const maxChosen = 12;

/** The shade's colour is the accent's; at its darkest the ink on it still has AA contrast. */
const shadeOf = (shade: number) => `rgba(11, 92, 173, ${(0.06 + shade * 0.44).toFixed(3)})`;

function OverlapTable({ view, names }: { readonly view: OverlapView; readonly names: ReadonlyMap<string, string> }) {
  const rows = overlapMatrix(view);
  const label = (id: string) => names.get(id) ?? id;
  return (
    <ScrollRegion label="Overlap matrix">
      <table data-testid="segment-overlap" className="overlap">
        <caption>Profiles in both segments now, with the Jaccard index (shared over either); the diagonal is each segment's size</caption>
        <thead>
          <tr><td />{rows.map((r) => <th key={r.id} scope="col">{label(r.id)}</th>)}</tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id}>
              <th scope="row">{label(row.id)}</th>
              {row.cells.map((cell, i) => (
                <td key={rows[i]!.id} style={{ backgroundColor: shadeOf(cell.shade) }} data-testid={`overlap-${row.id}-${rows[i]!.id}`}>
                  {formatInteger(cell.both)}
                  {cell.jaccardPercent === null ? null : <span className="stat-note">{cell.jaccardPercent}% Jaccard</span>}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

/**
 * Overlap between chosen segments: tick 2 to 12 stored segments (those evaluated at decision
 * time have no members to compare) and read the matrix of the profiles they share.
 */
export function SegmentOverlapMatrix({ client, segments }: { readonly client: AdminClient; readonly segments: readonly { readonly id: string; readonly name: string; readonly size: number | null }[] }) {
  const stored = segments.filter((s) => s.size !== null);
  const [chosen, setChosen] = useState<readonly string[]>(() => stored.slice(0, 3).map((s) => s.id));
  const ids = stored.map((s) => s.id).filter((id) => chosen.includes(id));
  const key = ids.join(',');
  const overlap = useAsync(
    () => (ids.length < 2 ? Promise.resolve(null) : client.get<OverlapView>(`/admin/v1/segments/overlap?ids=${encodeURIComponent(key)}`)),
    `overlap:${key}`,
  );
  const names = new Map(segments.map((s) => [s.id, s.name]));
  const toggle = (id: string, on: boolean) => setChosen((now) => (on ? [...now, id] : now.filter((x) => x !== id)));
  // The choices stay outside the answer's loading state: ticking one keeps focus where it was.
  return (
    <section className="card" aria-labelledby="section-overlap" aria-busy={ids.length >= 2 && overlap.state === 'loading'}>
      <h2 id="section-overlap">Overlap between segments</h2>
      <fieldset className="choices">
        <legend>Compare these segments (2 to {maxChosen})</legend>
        {stored.map((s) => (
          <label key={s.id}>
            <input
              type="checkbox" checked={ids.includes(s.id)} onChange={(event) => toggle(s.id, event.target.checked)}
              disabled={!ids.includes(s.id) && ids.length >= maxChosen}
            />
            {' '}{s.name}
          </label>
        ))}
      </fieldset>
      {ids.length < 2 ? <p>Choose at least two segments with stored members to see what they share.</p>
        : overlap.state === 'loading' ? <p className="loading">Loading…</p>
          : overlap.state === 'failed' ? <p className="problem" role="alert">{problemText(overlap.error)}</p>
            : overlap.value === null ? null : <OverlapTable view={overlap.value} names={names} />}
    </section>
  );
}
