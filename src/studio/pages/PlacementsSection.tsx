import { useId, useState, type FormEvent } from 'react';
import { Button, Form, Label, TextArea, TextField } from 'react-aria-components';
import type { Static } from 'typebox';
import type { PlacementView } from '../../api/decideSchemas.js';
import type { ReviewPolicyView } from '../../api/reviewSchemas.js';
import type { AdminClient } from '../AdminClient.js';
import { ScrollRegion } from '../components/ScrollRegion.js';
import { problemText } from '../components/Section.js';
import { saveThroughReview } from '../components/saveThroughReview.js';
import type { Gate } from '../permissionGate.js';

type Placement = Static<typeof PlacementView>;
type Policy = Static<typeof ReviewPolicyView>;

/** The scoring strategies (docs/decisions.md), with what each does, for the editor's choice. */
const strategies = {
  priority: 'Highest priority first (settings: "ties": "byId" or "random")',
  weighted: 'Random, in proportion to a weight (settings: "weightFrom": "priority" or "value")',
  expectedValue: 'Highest propensity × value first (settings: "propensity": a rule or a learned model)',
  thompson: 'A bandit learning from outcomes (settings: "reward", "minExplorationShare", "refreshSeconds")',
  contextual: 'A contextual bandit learning per person (settings: see docs/decisions.md)',
} as const;

/** A strategy's settings: its members other than `kind`, as shown in the list and edited as JSON. */
export function strategySettings(strategy: Placement['strategy']): Record<string, unknown> {
  const { kind: _kind, ...settings } = strategy;
  return settings;
}

/** Edits one placement's strategy; saving writes a draft under a review policy, else PUTs the placement. */
function StrategyEditor({ client, policy, placement, onSaved }: { readonly client: AdminClient; readonly policy: Policy; readonly placement: Placement; readonly onSaved: (message: string) => void }) {
  const [kind, setKind] = useState<string>(placement.strategy.kind);
  const [settings, setSettings] = useState(JSON.stringify(strategySettings(placement.strategy), null, 2));
  const [problem, setProblem] = useState<string | null>(null);
  const selectId = useId();

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(settings === '' ? '{}' : settings);
    } catch (error) {
      setProblem(`The settings are not JSON: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const { actions: _actions, ...saved } = placement;
    const definition = { ...saved, strategy: { ...(typeof parsed === 'object' && parsed !== null ? parsed : {}), kind } };
    try {
      onSaved(await saveThroughReview(client, policy, 'placement', definition, () => client.put<unknown>(`/admin/v1/placements/${encodeURIComponent(placement.id)}`, definition), `Placement "${placement.id}" now uses ${kind}.`));
    } catch (error) {
      setProblem(problemText(error instanceof Error ? error : new Error(String(error))));
    }
  };

  return (
    <Form onSubmit={save} aria-label={`Strategy of ${placement.id}`}>
      <h3>Strategy of {placement.name ?? placement.id}</h3>
      <div className="react-aria-TextField">
        <label className="react-aria-Label" htmlFor={selectId}>Strategy</label>
        <select id={selectId} value={kind} onChange={(e) => setKind(e.target.value)}>
          {Object.entries(strategies).map(([value, text]) => <option key={value} value={value}>{value}: {text}</option>)}
        </select>
      </div>
      <TextField value={settings} onChange={setSettings}>
        <Label>Settings (JSON)</Label>
        <TextArea rows={4} spellCheck={false} />
      </TextField>
      <Button type="submit">{policy.reviewRequired ? 'Save as draft' : 'Save strategy'}</Button>
      {problem === null ? null : <p className="problem" role="alert">{problem}</p>}
    </Form>
  );
}

/** The placements with their channel, count, strategy and its settings, and the actions that may fill each. */
export function PlacementsSection({ client, policy, placements, canWrite, onSaved }: {
  readonly client: AdminClient;
  readonly policy: Policy;
  readonly placements: readonly Placement[];
  readonly canWrite: Gate;
  readonly onSaved: (message: string) => void;
}) {
  const [editing, setEditing] = useState<string | null>(null);
  const chosen = placements.find((p) => p.id === editing);
  if (placements.length === 0) return <p>No placements yet: create them with PUT /admin/v1/placements/:id.</p>;
  return (
    <>
      <ScrollRegion label="Placements table">
      <table data-testid="placements">
        <caption>{placements.length} placements</caption>
        <thead><tr><th scope="col">Placement</th><th scope="col">Channel</th><th scope="col">Count</th><th scope="col">Strategy</th><th scope="col">Actions</th><th scope="col"><span className="visually-hidden">Edit</span></th></tr></thead>
        <tbody>
          {placements.map((p) => (
            <tr key={p.id}>
              <th scope="row">{p.name ?? p.id} <code>{p.id}</code></th>
              <td>{p.channel}</td>
              <td>{p.count}</td>
              <td data-testid={`strategy-${p.id}`}><strong>{p.strategy.kind}</strong> <code>{JSON.stringify(strategySettings(p.strategy))}</code></td>
              <td>{p.actions.join(', ') || 'none'}</td>
              <td>
                <Button className="secondary" isDisabled={!canWrite.allowed} aria-label={`Edit strategy of ${p.id}`} onPress={() => setEditing(p.id)}>Edit strategy</Button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      </ScrollRegion>
      {canWrite.allowed ? null : <p className="reason">Editing strategies: {canWrite.reason}</p>}
      {chosen === undefined || !canWrite.allowed ? null : <StrategyEditor key={chosen.id} client={client} policy={policy} placement={chosen} onSaved={(m) => { setEditing(null); onSaved(m); }} />}
    </>
  );
}
