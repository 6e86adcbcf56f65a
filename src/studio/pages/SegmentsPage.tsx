import { useState, type FormEvent } from 'react';
import { Button, Form, Input, Label, TextField } from 'react-aria-components';
import type { Static } from 'typebox';
import type { SegmentHistory, SegmentView } from '../../api/knowledgeSchemas.js';
import type { ReviewPolicyView } from '../../api/reviewSchemas.js';
import type { AdminClient } from '../AdminClient.js';
import { CheckFault, useLiveCheck } from '../components/LiveCheck.js';
import { RuleEditor } from '../components/RuleEditor.js';
import { problemText, Section } from '../components/Section.js';
import { saveThroughReview } from '../components/saveThroughReview.js';
import { formatInteger } from '../components/Stat.js';
import { TimeSeriesChart } from '../components/TimeSeriesChart.js';
import { useAsync } from '../components/useAsync.js';
import { gate } from '../permissionGate.js';
import { estimateText, type EstimateView } from './segmentFigures.js';
import { SegmentOverlapMatrix } from './SegmentOverlapMatrix.js';

type Segment = Static<typeof SegmentView>;
type Policy = Static<typeof ReviewPolicyView>;
type History = Static<typeof SegmentHistory>;

const historyDays = 30;
const seconds = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;

/** A segment's size over the last days, and its entries and exits per day, as charts with their tables. */
function SegmentHistoryCharts({ client, segment }: { readonly client: AdminClient; readonly segment: Segment }) {
  const loaded = useAsync(() => client.get<History>(`/admin/v1/segments/${encodeURIComponent(segment.id)}/history?days=${historyDays}`), segment.id);
  return (
    <Section title={`History of ${segment.name}`} loaded={loaded}>
      {(history) => {
        if (history.days === null) return <p>Evaluated at decision time only (its rule reads the request context): no members are stored, so there is no history.</p>;
        const times = history.days.map((d) => seconds(d.day));
        return (
          <div data-testid="segment-history">
            <TimeSeriesChart title={`Size of ${segment.name} at the end of each day`} times={times} unit="members" series={[{ label: 'Size', values: history.days.map((d) => d.size) }]} />
            <TimeSeriesChart
              title={`Entries and exits of ${segment.name} per day`} times={times} unit="profiles per day" height={180}
              series={[{ label: 'Entries', values: history.days.map((d) => d.entries) }, { label: 'Exits', values: history.days.map((d) => d.exits) }]}
            />
          </div>
        );
      }}
    </Section>
  );
}

export interface SegmentsPageProps {
  readonly client: AdminClient;
  readonly permissions: readonly string[];
  readonly navigate: (path: string) => void;
}

/** Matching profiles the editor previews, for a role that may read personal data. */
const previewCount = 5;

/** What the live check says of a valid rule: what it reads, its size if saved now, and a few matching profiles. */
function RuleEstimate({ value, navigate }: { readonly value: EstimateView; readonly navigate: (path: string) => void }) {
  const { analysis } = value;
  return (
    <>
      <p className="valid">Valid {analysis.type} rule{value.exists ? ' (replaces an existing segment)' : ''}; reads {analysis.reads.join(', ') || 'nothing stored'}; cost {analysis.cost}.</p>
      <p data-testid="rule-estimate">{estimateText(value.estimate)}</p>
      {value.preview === null ? null : value.preview.length === 0 ? <p>No profile matches.</p> : (
        <>
          <p id="rule-preview-label">First matching profiles:</p>
          <ul aria-labelledby="rule-preview-label" data-testid="rule-preview" className="inline-list">
            {value.preview.map((profileId) => (
              <li key={profileId}>
                <a
                  href={`/studio/customers/${encodeURIComponent(profileId)}`}
                  onClick={(event) => { event.preventDefault(); navigate(`/customers/${encodeURIComponent(profileId)}`); }}
                ><code>{profileId}</code></a>
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

/**
 * The editor: id, name and the rule in the rules language (docs/rules.md), checked as it is
 * typed by POST /admin/v1/segments/estimate (a fault shows its line, column and a caret under
 * the place; a valid rule, how many profiles it would hold now and, with personalData.read, the
 * first matching ones). Saving writes a draft (POST /admin/v1/drafts) when the workspace requires review,
 * else creates the segment at once (POST /admin/v1/segments), as the API would refuse otherwise.
 */
interface SegmentEditorProps {
  readonly client: AdminClient;
  readonly policy: Policy;
  readonly canPreview: boolean;
  readonly navigate: (path: string) => void;
  readonly onSaved: (message: string) => void;
}

function SegmentEditor({ client, policy, canPreview, navigate, onSaved }: SegmentEditorProps) {
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [rule, setRule] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  // The id and name only matter for the check's schema: stand-ins keep the rule checkable while they are typed.
  const candidate = { id: /^[a-z][a-z0-9_-]{0,63}$/.test(id) ? id : 'draft', name: name.trim() === '' ? 'draft' : name, rule, preview: canPreview ? previewCount : 0 };
  const check = useLiveCheck(rule.trim() === '' ? null : () => client.post<EstimateView>('/admin/v1/segments/estimate', candidate), JSON.stringify(candidate));

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    const definition = { id, name, rule };
    try {
      onSaved(await saveThroughReview(client, policy, 'segment', definition, () => client.post<unknown>('/admin/v1/segments', definition), `Segment "${id}" created.`));
      setId('');
      setName('');
      setRule('');
    } catch (error) {
      setProblem(problemText(error instanceof Error ? error : new Error(String(error))));
    }
  };

  return (
    <Form onSubmit={save} aria-label="New segment">
      <div className="columns">
        <TextField value={id} onChange={setId} isRequired>
          <Label>Id (lower case, used in rules)</Label>
          <Input />
        </TextField>
        <TextField value={name} onChange={setName} isRequired>
          <Label>Name</Label>
          <Input />
        </TextField>
      </div>
      <TextField value={rule} onChange={setRule} isRequired className="react-aria-TextField rule-field">
        <Label>Rule</Label>
        <RuleEditor value={rule} describedBy="rule-check" />
      </TextField>
      <div id="rule-check" aria-live="polite" data-testid="rule-check">
        {check.state === 'valid' ? <RuleEstimate value={check.value} navigate={navigate} /> : null}
        <CheckFault check={check} />
      </div>
      <Button type="submit" isDisabled={check.state !== 'valid'}>{policy.reviewRequired ? 'Save as draft' : 'Create segment'}</Button>
      {problem === null ? null : <p className="problem" role="alert">{problem}</p>}
    </Form>
  );
}

/** Segments (docs/studio.md): every segment with its size, and the editor of a new one. */
export function SegmentsPage({ client, permissions, navigate }: SegmentsPageProps) {
  const [generation, setGeneration] = useState(0);
  const [saved, setSaved] = useState<string | null>(null);
  const segments = useAsync(() => client.get<Segment[]>('/admin/v1/segments'), `segments:${generation}`);
  const policy = useAsync(() => client.get<Policy>('/admin/v1/review/policy'), `policy:${generation}`);
  const canWrite = gate(permissions, 'config.write');
  const canPreview = gate(permissions, 'personalData.read').allowed;
  const [chosen, setChosen] = useState<string | null>(null);
  const list = segments.state === 'done' ? segments.value : [];
  // The chosen segment, else the first: a page with segments always shows one history.
  const shown = list.find((s) => s.id === chosen) ?? list[0];
  return (
    <>
      <h1>Segments</h1>
      <Section title="All segments" loaded={segments}>
        {(rows) => (rows.length === 0 ? <p>No segments yet.</p> : (
          <table data-testid="segments">
            <caption>{rows.length} segments</caption>
            <thead><tr><th scope="col">Segment</th><th scope="col">Size</th><th scope="col">Rule</th><th scope="col"><span className="visually-hidden">History</span></th></tr></thead>
            <tbody>
              {rows.map((s) => (
                <tr key={s.id}>
                  <th scope="row">{s.name} <code>{s.id}</code></th>
                  <td data-testid={`size-${s.id}`}>{s.size === null ? 'at decision time' : formatInteger(s.size)}</td>
                  <td className="value">{s.rule}</td>
                  <td>
                    <Button className="secondary" aria-label={`Show the history of ${s.name}`} aria-pressed={s.id === shown?.id} onPress={() => setChosen(s.id)}>History</Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      </Section>
      {shown === undefined ? null : <SegmentHistoryCharts key={shown.id} client={client} segment={shown} />}
      {list.length < 2 ? null : <SegmentOverlapMatrix key={`overlap:${generation}`} client={client} segments={list} />}
      <Section title="New segment" loaded={policy}>
        {(value) => (canWrite.allowed ? (
          <>
            {saved === null ? null : <p className="valid" role="status">{saved}</p>}
            <SegmentEditor client={client} policy={value} canPreview={canPreview} navigate={navigate} onSaved={(message) => { setSaved(message); setGeneration((g) => g + 1); }} />
          </>
        ) : <p className="reason" data-testid="editor-reason">{canWrite.reason}</p>)}
      </Section>
    </>
  );
}
