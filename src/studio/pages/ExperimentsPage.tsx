import { useState } from 'react';
import { Button } from 'react-aria-components';
import type { Static } from 'typebox';
import type { ExperimentView, MetricView } from '../../api/experimentSchemas.js';
import type { PlacementView } from '../../api/decideSchemas.js';
import type { SegmentView } from '../../api/knowledgeSchemas.js';
import type { ReviewPolicyView } from '../../api/reviewSchemas.js';
import type { ExperimentDefinition } from '../../core/experiments/ExperimentDefinition.js';
import type { AdminClient } from '../AdminClient.js';
import { Section } from '../components/Section.js';
import { formatShare } from '../components/Stat.js';
import { useAsync } from '../components/useAsync.js';
import { gate } from '../permissionGate.js';
import { studioBase } from '../studioPages.js';
import { ExperimentEditor, type EditorChoices } from './ExperimentEditor.js';

type Experiment = Static<typeof ExperimentView>;
type Policy = Static<typeof ReviewPolicyView>;

export interface ExperimentsPageProps {
  readonly client: AdminClient;
  readonly permissions: readonly string[];
  readonly navigate: (path: string) => void;
}

/** The editor's choices, read together: the placements, metrics and segments of the workspace. */
async function loadChoices(client: AdminClient): Promise<EditorChoices & { readonly policy: Policy }> {
  const [placements, metrics, segments, policy] = await Promise.all([
    client.get<Static<typeof PlacementView>[]>('/admin/v1/placements'),
    client.get<Static<typeof MetricView>[]>('/admin/v1/metrics'),
    client.get<Static<typeof SegmentView>[]>('/admin/v1/segments'),
    client.get<Policy>('/admin/v1/review/policy'),
  ]);
  return { placements: placements.map((p) => p.id), metrics, segments, policy };
}

/** Experiments (docs/studio.md): every experiment with its status and a link to its results, and the editor. */
export function ExperimentsPage({ client, permissions, navigate }: ExperimentsPageProps) {
  const [generation, setGeneration] = useState(0);
  const [saved, setSaved] = useState<string | null>(null);
  const [editing, setEditing] = useState<ExperimentDefinition | null>(null);
  const experiments = useAsync(() => client.get<Experiment[]>('/admin/v1/experiments'), `experiments:${generation}`);
  const choices = useAsync(() => loadChoices(client), `choices:${generation}`);
  const canWrite = gate(permissions, 'config.write');
  const canReport = gate(permissions, 'reports.read');
  return (
    <>
      <h1>Experiments</h1>
      <Section title="All experiments" loaded={experiments}>
        {(rows) => (rows.length === 0 ? <p>No experiments yet.</p> : (
          <table data-testid="experiments">
            <caption>{rows.length} experiments</caption>
            <thead><tr><th scope="col">Experiment</th><th scope="col">Status</th><th scope="col">Placement</th><th scope="col">Variants</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.definition.id}>
                  <th scope="row">{e.definition.name ?? e.definition.id} <code>{e.definition.id}</code>{e.problems.map((p) => <span key={p} className="reason">{p}</span>)}</th>
                  <td data-testid={`status-${e.definition.id}`}>{e.status}</td>
                  <td>{e.definition.placement}</td>
                  <td>{e.definition.arms.map((a) => `${a.id} ${formatShare(a.weight)}`).join(', ')}</td>
                  <td className="row-actions">
                    {canReport.allowed ? (
                      <a
                        href={`${studioBase}/experiments/${encodeURIComponent(e.definition.id)}`}
                        onClick={(event) => { event.preventDefault(); navigate(`/experiments/${encodeURIComponent(e.definition.id)}`); }}
                      >Results<span className="visually-hidden"> of {e.definition.id}</span></a>
                    ) : <span className="reason">{canReport.reason}</span>}
                    {canWrite.allowed ? <Button className="secondary" aria-label={`Edit ${e.definition.id}`} onPress={() => { setSaved(null); setEditing(e.definition); }}>Edit</Button> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      </Section>
      <Section title={editing === null ? 'New experiment' : `Edit ${editing.id}`} loaded={choices}>
        {(value) => (canWrite.allowed ? (
          <>
            {saved === null ? null : <p className="valid" role="status">{saved}</p>}
            {editing === null ? null : <Button className="secondary" onPress={() => setEditing(null)}>Write a new experiment instead</Button>}
            <ExperimentEditor
              key={editing?.id ?? `new:${generation}`} client={client} policy={value.policy} choices={value} editing={editing}
              onSaved={(message) => { setSaved(message); setEditing(null); setGeneration((g) => g + 1); }}
            />
          </>
        ) : <p className="reason" data-testid="editor-reason">{canWrite.reason}</p>)}
      </Section>
    </>
  );
}
