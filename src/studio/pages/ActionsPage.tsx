import { useState } from 'react';
import { Button } from 'react-aria-components';
import type { Static } from 'typebox';
import type { ActionView, PlacementView } from '../../api/decideSchemas.js';
import type { ReviewPolicyView } from '../../api/reviewSchemas.js';
import type { AdminClient } from '../AdminClient.js';
import { ScrollRegion } from '../components/ScrollRegion.js';
import { Section } from '../components/Section.js';
import { useAsync } from '../components/useAsync.js';
import { gate } from '../permissionGate.js';
import { emptyActionForm, formOf } from './actionForm.js';
import { ActionEditor } from './ActionEditor.js';
import { PlacementsSection } from './PlacementsSection.js';

type Action = Static<typeof ActionView>;
type Placement = Static<typeof PlacementView>;
type Policy = Static<typeof ReviewPolicyView>;

export interface ActionsPageProps {
  readonly client: AdminClient;
  readonly permissions: readonly string[];
}

const day = (iso: string | undefined) => (iso === undefined ? '…' : iso.slice(0, 16).replace('T', ' '));

/** An action's state in a word or two: what keeps it from being chosen, or that it may be. */
function status(action: Action): string {
  if (action.problems.length > 0) return `Not chosen: ${action.problems.join('; ')}`;
  if (action.enabled === false) return 'Disabled';
  const now = new Date().toISOString();
  if (action.schedule?.start !== undefined && action.schedule.start > now) return 'Scheduled';
  if (action.schedule?.end !== undefined && action.schedule.end <= now) return 'Ended';
  return 'Live';
}

function ActionsTable({ rows, onEdit, canWrite }: { readonly rows: readonly Action[]; readonly onEdit: (action: Action) => void; readonly canWrite: boolean }) {
  if (rows.length === 0) return <p>No actions yet.</p>;
  return (
    <ScrollRegion label="Actions table">
    <table data-testid="actions">
      <caption>{rows.length} actions</caption>
      <thead>
        <tr>
          <th scope="col">Action</th><th scope="col">Placements</th><th scope="col">Priority</th><th scope="col">Value</th>
          <th scope="col">Schedule (UTC)</th><th scope="col">Locales</th><th scope="col">Status</th><th scope="col"><span className="visually-hidden">Edit</span></th>
        </tr>
      </thead>
      <tbody>
        {rows.map((a) => (
          <tr key={a.id} data-testid={`action-${a.id}`}>
            <th scope="row">{a.name ?? a.id} <code>{a.id}</code></th>
            <td>{a.placements.join(', ')}</td>
            <td>{a.priority}</td>
            <td>{a.value}</td>
            <td>{a.schedule === undefined ? 'always' : `${day(a.schedule.start)} to ${day(a.schedule.end)}`}</td>
            <td>{Object.keys(a.variants).join(', ')}</td>
            <td>{status(a)}</td>
            <td><Button className="secondary" isDisabled={!canWrite} aria-label={`Edit ${a.id}`} onPress={() => onEdit(a)}>Edit</Button></td>
          </tr>
        ))}
      </tbody>
    </table>
    </ScrollRegion>
  );
}

/**
 * Actions and placements (docs/studio.md): every action with its placements, priority,
 * schedule and status; the editor (new or chosen action) with live validation and a preview
 * rendered on the server; the placements with their strategy, editable.
 */
export function ActionsPage({ client, permissions }: ActionsPageProps) {
  const [generation, setGeneration] = useState(0);
  const [saved, setSaved] = useState<string | null>(null);
  const [editing, setEditing] = useState<Action | null>(null);
  const actions = useAsync(() => client.get<Action[]>('/admin/v1/actions'), `actions:${generation}`);
  const placements = useAsync(() => client.get<Placement[]>('/admin/v1/placements'), `placements:${generation}`);
  const policy = useAsync(() => client.get<Policy>('/admin/v1/review/policy'), `policy:${generation}`);
  const canWrite = gate(permissions, 'config.write');
  const canPreview = gate(permissions, 'personalData.read');
  const onSaved = (message: string) => {
    setSaved(message);
    setEditing(null);
    setGeneration((g) => g + 1);
  };
  return (
    <>
      <h1>Actions and placements</h1>
      {saved === null ? null : <p className="valid" role="status">{saved}</p>}
      <Section title="All actions" loaded={actions}>
        {(rows) => <ActionsTable rows={rows} canWrite={canWrite.allowed} onEdit={setEditing} />}
      </Section>
      <Section title={editing === null ? 'New action' : `Edit ${editing.id}`} loaded={policy}>
        {(value) => (
          <>
            {editing === null ? null : <Button className="secondary" onPress={() => setEditing(null)}>Back to a new action</Button>}
            <ActionEditor
              key={`${editing?.id ?? ''}:${generation}`} client={client} policy={value} canWrite={canWrite} canPreview={canPreview} onSaved={onSaved}
              initial={editing === null ? emptyActionForm() : formOf(editing)} editing={editing !== null}
            />
          </>
        )}
      </Section>
      <Section title="Placements" loaded={placements}>
        {(rows) => (policy.state === 'done' ? <PlacementsSection client={client} policy={policy.value} placements={rows} canWrite={canWrite} onSaved={onSaved} /> : <p className="loading">Loading…</p>)}
      </Section>
    </>
  );
}
