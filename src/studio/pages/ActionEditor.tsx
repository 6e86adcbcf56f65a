import { useState, type FormEvent } from 'react';
import { Button, Form, Input, Label, TextArea, TextField } from 'react-aria-components';
import type { Static } from 'typebox';
import type { ReviewPolicyView } from '../../api/reviewSchemas.js';
import type { AdminClient } from '../AdminClient.js';
import { CheckFault, useLiveCheck } from '../components/LiveCheck.js';
import { problemText } from '../components/Section.js';
import { saveThroughReview } from '../components/saveThroughReview.js';
import type { Gate } from '../permissionGate.js';
import { definitionOf, type ActionForm, type VariantRow } from './actionForm.js';
import { ActionPreviewPanel } from './ActionPreviewPanel.js';

type Policy = Static<typeof ReviewPolicyView>;
interface Validation { readonly valid: boolean; readonly problems: readonly string[] }

export interface ActionEditorProps {
  readonly client: AdminClient;
  readonly policy: Policy;
  /** Where the editor starts: an empty form, or a saved action's. */
  readonly initial: ActionForm;
  /** Whether it edits a saved action (its id is then fixed). */
  readonly editing: boolean;
  readonly canWrite: Gate;
  readonly canPreview: Gate;
  readonly onSaved: (message: string) => void;
}

/** A text field of the form: label, value, and the setter of its member. */
function Field({ label, value, onChange, type = 'text', isDisabled = false }: { readonly label: string; readonly value: string; readonly onChange: (value: string) => void; readonly type?: string; readonly isDisabled?: boolean }) {
  return (
    <TextField value={value} onChange={onChange} isDisabled={isDisabled}>
      <Label>{label}</Label>
      <Input type={type} />
    </TextField>
  );
}

/**
 * The action editor: eligibility rule, placements, priority and value, caps, schedule and
 * one content variant per locale. The whole definition is checked as it is typed by POST
 * /admin/v1/actions/validate (a rule fault shows its caret, as in the segment editor); the
 * preview renders it for a profile and locale on the server. Saving writes a draft when the
 * workspace requires review, else PUTs the action, as the Segments page does.
 */
export function ActionEditor({ client, policy, initial, editing, canWrite, canPreview, onSaved }: ActionEditorProps) {
  const [form, setForm] = useState<ActionForm>(initial);
  const [problem, setProblem] = useState<string | null>(null);
  const set = <K extends keyof ActionForm>(key: K) => (value: ActionForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const setVariant = (key: number, change: Partial<VariantRow>) => setForm((f) => ({ ...f, variants: f.variants.map((v) => (v.key === key ? { ...v, ...change } : v)) }));
  const addVariant = () => setForm((f) => ({ ...f, variants: [...f.variants, { key: Math.max(-1, ...f.variants.map((v) => v.key)) + 1, locale: '', content: '{\n  "title": ""\n}' }] }));
  const removeVariant = (key: number) => setForm((f) => ({ ...f, variants: f.variants.filter((v) => v.key !== key) }));

  const result = definitionOf(form);
  const definition = result.ok && result.definition.id !== '' && result.definition.placements.length > 0 ? result.definition : null;
  const check = useLiveCheck(definition === null ? null : () => client.post<Validation>('/admin/v1/actions/validate', definition), JSON.stringify(definition));

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (definition === null) return;
    setProblem(null);
    try {
      onSaved(await saveThroughReview(client, policy, 'action', definition, () => client.put<unknown>(`/admin/v1/actions/${encodeURIComponent(definition.id)}`, definition), `Action "${definition.id}" saved.`));
    } catch (error) {
      setProblem(problemText(error instanceof Error ? error : new Error(String(error))));
    }
  };

  return (
    <>
      <Form onSubmit={save} aria-label={editing ? `Edit action ${initial.id}` : 'New action'}>
        <div className="columns">
          <Field label="Id (lower case)" value={form.id} onChange={set('id')} isDisabled={editing} />
          <Field label="Name" value={form.name} onChange={set('name')} />
          <Field label="Placements (comma separated)" value={form.placements} onChange={set('placements')} />
        </div>
        <TextField value={form.rule} onChange={set('rule')} className="react-aria-TextField rule-field">
          <Label>Eligibility rule (empty: everyone)</Label>
          <TextArea rows={3} spellCheck={false} aria-describedby="action-check" />
        </TextField>
        <fieldset>
          <legend>Priority, value and caps</legend>
          <div className="columns">
            <Field label="Priority" value={form.priority} onChange={set('priority')} type="number" />
            <Field label="Value of a conversion" value={form.value} onChange={set('value')} type="number" />
            <Field label="Shows per profile (empty: no cap)" value={form.perProfileMax} onChange={set('perProfileMax')} type="number" />
            <Field label="Per window (24h, 7d, session, day, lifetime)" value={form.perProfileWindow} onChange={set('perProfileWindow')} />
            <Field label="Pause after a dismiss (7d)" value={form.dismissCooldown} onChange={set('dismissCooldown')} />
            <Field label="Budget (shows in all)" value={form.budget} onChange={set('budget')} type="number" />
          </div>
        </fieldset>
        <fieldset>
          <legend>Schedule (UTC; empty: open)</legend>
          <div className="columns">
            <Field label="Start" value={form.start} onChange={set('start')} type="datetime-local" />
            <Field label="End" value={form.end} onChange={set('end')} type="datetime-local" />
          </div>
        </fieldset>
        <fieldset>
          <legend>Content per locale</legend>
          {form.variants.map((v) => (
            <div className="variant" key={v.key} data-testid="variant">
              <Field label="Locale (de-CH, de, default)" value={v.locale} onChange={(locale) => setVariant(v.key, { locale })} />
              <TextField value={v.content} onChange={(content) => setVariant(v.key, { content })}>
                <Label>Content of {v.locale || 'this variant'} (JSON; {'{{ profile.traits.name | "friend" }}'} fills in)</Label>
                <TextArea rows={3} spellCheck={false} />
              </TextField>
              <Button className="secondary" onPress={() => removeVariant(v.key)} isDisabled={form.variants.length === 1} aria-label={`Remove the ${v.locale || 'new'} variant`}>Remove</Button>
            </div>
          ))}
          <Button className="secondary" onPress={addVariant}>Add a locale</Button>
        </fieldset>
        <div id="action-check" aria-live="polite" data-testid="action-check">
          {result.ok ? null : <p className="problem">{result.message}</p>}
          {check.state === 'valid' ? <p className="valid">Valid{check.value.problems.length === 0 ? '' : `, with problems: ${check.value.problems.join('; ')}`}.</p> : null}
          <CheckFault check={check} />
        </div>
        <Button type="submit" isDisabled={!canWrite.allowed || check.state !== 'valid'}>{policy.reviewRequired ? 'Save as draft' : 'Save action'}</Button>
        {canWrite.allowed ? null : <p className="reason" data-testid="editor-reason">{canWrite.reason}</p>}
        {problem === null ? null : <p className="problem" role="alert">{problem}</p>}
      </Form>
      <ActionPreviewPanel client={client} definition={definition} locales={form.variants.map((v) => v.locale)} access={canPreview} />
    </>
  );
}
