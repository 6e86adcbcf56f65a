import { useEffect, useId, useState, type FormEvent, type ReactNode, type SelectHTMLAttributes } from 'react';
import { Button, Form, Input, Label, TextField } from 'react-aria-components';
import type { Static } from 'typebox';
import type { SegmentPlanView } from '../../api/predictionSchemas.js';
import type { DraftView, ReviewPolicyView } from '../../api/reviewSchemas.js';
import type { ArmServe, ExperimentDefinition } from '../../core/experiments/ExperimentDefinition.js';
import type { AdminClient } from '../AdminClient.js';
import { Explain } from '../components/Explain.js';
import { draftWritten } from '../components/saveThroughReview.js';
import { problemText } from '../components/Section.js';
import { formatInteger } from '../components/Stat.js';
import { statisticTexts } from '../components/statisticTexts.js';
import { normalisedWeights, planRequest } from './experimentFigures.js';

type Policy = Static<typeof ReviewPolicyView>;
type Draft = Static<typeof DraftView>;
type SegmentPlan = Static<typeof SegmentPlanView>;

/** What the editor offers to choose from: the workspace's placements, metrics and segments. */
export interface EditorChoices {
  readonly placements: readonly string[];
  readonly metrics: readonly { readonly id: string; readonly name?: string | undefined }[];
  readonly segments: readonly { readonly id: string; readonly name: string }[];
}

interface ArmDraft { readonly id: string; readonly share: string; readonly serve: 'generic' | 'personalized' | 'actions'; readonly actionIds: string }

const armOf = (arm: ExperimentDefinition['arms'][number]): ArmDraft => ({
  id: arm.id, share: String(arm.weight), serve: arm.serve.kind === 'strategy' ? 'personalized' : arm.serve.kind,
  actionIds: arm.serve.kind === 'actions' ? arm.serve.actionIds.join(', ') : '',
});
const serveOf = (arm: ArmDraft): ArmServe => (arm.serve === 'actions'
  ? { kind: 'actions', actionIds: arm.actionIds.split(',').map((s) => s.trim()).filter((s) => s !== '') }
  : { kind: arm.serve });
const defaultArms: ArmDraft[] = [
  { id: 'control', share: '1', serve: 'generic', actionIds: '' },
  { id: 'personalized', share: '1', serve: 'personalized', actionIds: '' },
];

type Check<T> = { readonly state: 'idle' } | { readonly state: 'done'; readonly value: T } | { readonly state: 'failed'; readonly message: string };
const checkDelayMillis = 300;
const messageOf = (error: unknown) => problemText(error instanceof Error ? error : new Error(String(error)));

/** Runs `load` 300 ms after `key` last changed (null: nothing to check), dropping answers overtaken by a newer key. */
function useCheck<T>(load: (() => Promise<T>) | null, key: string): Check<T> {
  const [check, setCheck] = useState<Check<T>>({ state: 'idle' });
  useEffect(() => {
    if (load === null) {
      setCheck({ state: 'idle' });
      return undefined;
    }
    let current = true;
    const timer = setTimeout(() => {
      load().then((value) => { if (current) setCheck({ state: 'done', value }); }, (error: unknown) => { if (current) setCheck({ state: 'failed', message: messageOf(error) }); });
    }, checkDelayMillis);
    return () => { current = false; clearTimeout(timer); };
    // `key` names what `load` reads.
  }, [key]);
  return check;
}

/**
 * A native select with its label beside it, not around it: a wrapping label would add the
 * chosen option's text to the select's accessible name.
 */
function Choice({ label, children, ...props }: { readonly label: string; readonly children: ReactNode } & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} {...props}>{children}</select>
    </div>
  );
}

function PlanVerdict({ plan }: { readonly plan: SegmentPlan }) {
  return (
    <div data-testid="plan-check" className={plan.reachable ? 'valid' : 'problem'}>
      <p><strong>{plan.reachable ? 'Reachable' : 'Not reachable'}</strong>: {formatInteger(plan.requiredUnitsPerArm)} units per arm needed to detect {(plan.minimumDetectableEffect * 100).toFixed(1)}% at power {plan.power};
        {' '}the audience gives about {formatInteger(plan.projectedUnitsPerArm)} per arm in {plan.days} days
        {plan.daysNeeded === null ? '' : ` (full after ${plan.daysNeeded} days)`}; baseline conversion {(plan.baselineRate * 100).toFixed(2)}% ({plan.baselineSource === 'request' ? 'given' : 'from predicted purchase propensity'}).</p>
      {plan.warning === null ? null : <p>{plan.warning}</p>}
      {plan.notes.map((n) => <p key={n} className="stat-note">{n}</p>)}
    </div>
  );
}

/**
 * Creates or edits an experiment: placement, variants (arms) with their shares, metrics and the
 * plan (effect to detect and days). Before saving it shows the server's check of the definition
 * (POST /admin/v1/experiments/validate) and, for the chosen audience, the plan check (POST
 * /admin/v1/segments/:id/plan: can this audience reach the effect in time?). Saving writes a
 * draft when the workspace requires review, else PUT /admin/v1/experiments/:id.
 */
export function ExperimentEditor({ client, policy, choices, editing, onSaved }: {
  readonly client: AdminClient; readonly policy: Policy; readonly choices: EditorChoices;
  readonly editing: ExperimentDefinition | null; readonly onSaved: (message: string) => void;
}) {
  const [id, setId] = useState(editing?.id ?? '');
  const [name, setName] = useState(editing?.name ?? '');
  const [placement, setPlacement] = useState(editing?.placement ?? choices.placements[0] ?? '');
  const [arms, setArms] = useState<ArmDraft[]>(editing?.arms.map(armOf) ?? defaultArms);
  const [coverage, setCoverage] = useState(String((editing?.coverage ?? 1) * 100));
  const [primary, setPrimary] = useState(editing?.primaryMetric ?? choices.metrics[0]?.id ?? 'conversion');
  const [guardrails, setGuardrails] = useState<readonly string[]>(editing?.guardrailMetrics ?? []);
  const [audience, setAudience] = useState(choices.segments[0]?.id ?? '');
  const [effect, setEffect] = useState(editing?.plan === undefined ? '10' : String(editing.plan.minimumDetectableEffect * 100));
  const [days, setDays] = useState(String(editing?.plan?.days ?? 14));
  const [baseline, setBaseline] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  const weights = normalisedWeights(arms.map((a) => Number(a.share)));
  const mde = Number(effect) / 100;
  const planDays = Number(days);
  // What the editor has no field for (start, stop, namespace, covariate, ...) is kept; a cleared name or plan is dropped.
  const { name: _name, plan: _plan, ...kept } = editing ?? ({} as Partial<ExperimentDefinition>);
  const definition: ExperimentDefinition = {
    ...kept,
    id, placement, primaryMetric: primary,
    ...(name.trim() === '' ? {} : { name }),
    arms: arms.map((a, i) => ({ id: a.id, weight: weights[i] ?? 0, serve: serveOf(a) })),
    coverage: Math.min(1, Math.max(0, Number(coverage) / 100)),
    guardrailMetrics: guardrails.filter((g) => g !== primary),
    ...(mde > 0 && Number.isInteger(planDays) && planDays >= 1 ? { plan: { minimumDetectableEffect: mde, days: planDays } } : {}),
  };
  const key = JSON.stringify(definition);
  const validation = useCheck(id === '' || placement === '' ? null : () => client.post<{ warnings: string[] }>('/admin/v1/experiments/validate', definition), key);
  const baselineRate = Number(baseline) / 100;
  const request = planRequest(definition, baseline.trim() !== '' && baselineRate > 0 && baselineRate < 1 ? baselineRate : null);
  const plan = useCheck(audience === '' || request === null ? null : () => client.post<SegmentPlan>(`/admin/v1/segments/${encodeURIComponent(audience)}/plan`, request), `${audience}:${JSON.stringify(request)}`);
  const setArm = (i: number, change: Partial<ArmDraft>) => setArms((all) => all.map((a, j) => (j === i ? { ...a, ...change } : a)));

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    try {
      if (policy.reviewRequired) {
        onSaved(draftWritten(await client.post<Draft>('/admin/v1/drafts', { kind: 'experiment', definition })));
      } else {
        const change = await client.put<{ status: string }>(`/admin/v1/experiments/${encodeURIComponent(id)}`, definition);
        onSaved(`Experiment "${id}" ${change.status}.`);
      }
    } catch (error) {
      setProblem(messageOf(error));
    }
  };
  // The verdict, or why there is none (no model to predict the baseline), is on screen before saving.
  const planShown = audience === '' || request === null || plan.state !== 'idle';
  return (
    <Form onSubmit={save} aria-label={editing === null ? 'New experiment' : `Edit ${editing.id}`}>
      <div className="columns">
        <TextField value={id} onChange={setId} isRequired isReadOnly={editing !== null}><Label>Experiment id</Label><Input /></TextField>
        <TextField value={name} onChange={setName}><Label>Name</Label><Input /></TextField>
        <Choice label="Placement" value={placement} onChange={(e) => setPlacement(e.target.value)} required>
          {choices.placements.length === 0 ? <option value="">No placements yet</option> : null}
          {choices.placements.map((p) => <option key={p} value={p}>{p}</option>)}
        </Choice>
        <TextField value={coverage} onChange={setCoverage} inputMode="decimal"><Label>Traffic in the experiment (%)</Label><Input /></TextField>
      </div>
      <fieldset>
        <legend>Variants (the first is the control)</legend>
        {arms.map((arm, i) => (
          <div className="columns arm" key={i} data-testid="arm">
            <TextField value={arm.id} onChange={(v) => setArm(i, { id: v })} isRequired><Label>Variant {i + 1} id</Label><Input /></TextField>
            <TextField value={arm.share} onChange={(v) => setArm(i, { share: v })} inputMode="decimal"><Label>Variant {i + 1} share ({((weights[i] ?? 0) * 100).toFixed(1)}%)</Label><Input /></TextField>
            <Choice label={`Variant ${i + 1} serves`} value={arm.serve} onChange={(e) => setArm(i, { serve: e.target.value as ArmDraft['serve'] })}>
              <option value="generic">the default content</option>
              <option value="personalized">the personalized decision</option>
              <option value="actions">only these actions</option>
            </Choice>
            {arm.serve === 'actions' ? <TextField value={arm.actionIds} onChange={(v) => setArm(i, { actionIds: v })}><Label>Variant {i + 1} action ids (comma separated)</Label><Input /></TextField> : null}
          </div>
        ))}
        <div className="buttons start">
          <Button className="secondary" onPress={() => setArms((all) => [...all, { id: `variant-${all.length + 1}`, share: '1', serve: 'personalized', actionIds: '' }])}>Add a variant</Button>
          <Button className="secondary" isDisabled={arms.length <= 2} onPress={() => setArms((all) => all.slice(0, -1))}>Remove the last variant</Button>
        </div>
      </fieldset>
      <fieldset>
        <legend>Metrics</legend>
        <Choice label="Primary metric" value={primary} onChange={(e) => setPrimary(e.target.value)}>
          {choices.metrics.map((m) => <option key={m.id} value={m.id}>{m.name === undefined ? m.id : `${m.name} (${m.id})`}</option>)}
        </Choice>
        <div className="checks">
          {choices.metrics.filter((m) => m.id !== primary).map((m) => (
            <label key={m.id}><input type="checkbox" checked={guardrails.includes(m.id)} onChange={(e) => setGuardrails((g) => (e.target.checked ? [...g, m.id] : g.filter((x) => x !== m.id)))} /> Guardrail: {m.id}</label>
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend><Explain term="Plan">{statisticTexts.plan}</Explain></legend>
        <div className="columns">
          <TextField value={effect} onChange={setEffect} inputMode="decimal"><Label>Effect to detect (% of the primary metric)</Label><Input /></TextField>
          <TextField value={days} onChange={setDays} inputMode="numeric"><Label>Planned days</Label><Input /></TextField>
          <TextField value={baseline} onChange={setBaseline} inputMode="decimal">
            <Label>Control's conversion rate (%, empty: predicted)</Label><Input />
          </TextField>
          <Choice label="Audience for the plan check" value={audience} onChange={(e) => setAudience(e.target.value)}>
            <option value="">No plan check</option>
            {choices.segments.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
          </Choice>
        </div>
        <div aria-live="polite">
          {plan.state === 'done' ? <PlanVerdict plan={plan.value} /> : null}
          {plan.state === 'failed' ? <p className="problem" data-testid="plan-check">{plan.message}</p> : null}
        </div>
      </fieldset>
      <div aria-live="polite" data-testid="experiment-check">
        {validation.state === 'done' ? <p className="valid">The definition is valid{validation.value.warnings.length === 0 ? '.' : `: ${validation.value.warnings.join('; ')}`}</p> : null}
        {validation.state === 'failed' ? <p className="problem">{validation.message}</p> : null}
      </div>
      <Button type="submit" isDisabled={validation.state !== 'done' || !planShown}>{policy.reviewRequired ? 'Save as draft' : editing === null ? 'Create experiment' : 'Save experiment'}</Button>
      {problem === null ? null : <p className="problem" role="alert">{problem}</p>}
    </Form>
  );
}
