import { useState, type FormEvent } from 'react';
import { Button, Form, Input, Label, TextField } from 'react-aria-components';
import type { Static } from 'typebox';
import type { AuditPage } from '../../api/auditSchemas.js';
import type { DraftList, ReviewPolicyView, VersionList } from '../../api/reviewSchemas.js';
import type { AdminClient } from '../AdminClient.js';
import { Section } from '../components/Section.js';
import { formatInteger } from '../components/Stat.js';
import { useAsync } from '../components/useAsync.js';
import { gate } from '../permissionGate.js';
import { DraftCard, type Draft } from './DraftCard.js';
import { auditQuery, emptyAuditFilter, versionsInWindow, type AuditFilter } from './reviewFigures.js';

type Policy = Static<typeof ReviewPolicyView>;
type Drafts = Static<typeof DraftList>;
type Audit = Static<typeof AuditPage>;
type Versions = Static<typeof VersionList>;

export interface ReviewPageProps {
  readonly client: AdminClient;
  readonly permissions: readonly string[];
  /** The signed-in person's user id: their own drafts are not theirs to approve. */
  readonly userId: string;
}

const auditLimit = 100;

/** Open drafts, split into those awaiting this person's approval and their own. */
function DraftLists({ client, permissions, userId, drafts, onChanged }: ReviewPageProps & { readonly drafts: readonly Draft[]; readonly onChanged: () => void }) {
  const open = drafts.filter((d) => d.state === 'open' || d.state === 'scheduled');
  const own = open.filter((d) => d.author.kind === 'user' && d.author.id === userId);
  const others = open.filter((d) => !own.includes(d));
  const list = (items: readonly Draft[], empty: string) => (items.length === 0 ? <p>{empty}</p> : items.map((d) => <DraftCard key={`${d.id}:${d.revision}:${d.state}`} client={client} permissions={permissions} userId={userId} draft={d} onChanged={onChanged} />));
  return (
    <>
      <h3 id="awaiting">Awaiting approval</h3>
      <div aria-labelledby="awaiting" role="region">{list(others, 'No drafts by others are open.')}</div>
      <h3 id="own">Your drafts</h3>
      <div aria-labelledby="own" role="region">{list(own, 'You have no open drafts.')}</div>
    </>
  );
}

/**
 * The weekly change limits and, for the placements and segments open drafts change, how many
 * of their own versions were published in the rolling week (GET /admin/v1/versions). The API
 * gives no count of the changes that reach a subject through others (an action reading a
 * segment) nor of the workspace's total, so those are not shown.
 */
function ChangeLimits({ client, policy, drafts }: { readonly client: AdminClient; readonly policy: Policy; readonly drafts: readonly Draft[] }) {
  const limits = policy.resolved.changeLimits;
  const subjects = drafts.filter((d) => (d.state === 'open' || d.state === 'scheduled') && (d.kind === 'segment' || d.kind === 'placement'));
  const key = subjects.map((d) => `${d.kind}/${d.targetId}`).join(',');
  const counts = useAsync(async () => {
    const now = Date.now();
    return Promise.all(subjects.map(async (d) => {
      const { versions } = await client.get<Versions>(`/admin/v1/versions/${d.kind}/${encodeURIComponent(d.targetId)}`);
      return { kind: d.kind, id: d.targetId, count: versionsInWindow(versions, now) };
    }));
  }, key);
  const limitText = (n: number | undefined) => (n === undefined ? 'no limit' : `${formatInteger(n)} per week`);
  return (
    <>
      <p data-testid="review-required">{policy.reviewRequired ? `Review is required: ${policy.resolved.approvers} approval(s) by others before publishing.` : 'No review is required: changes publish at once.'}</p>
      <dl className="stats">
        <div className="stat"><dt>Each placement</dt><dd><span className="stat-value">{limitText(limits.placement)}</span></dd></div>
        <div className="stat"><dt>Each segment</dt><dd><span className="stat-value">{limitText(limits.segment)}</span></dd></div>
        <div className="stat"><dt>Whole workspace</dt><dd><span className="stat-value">{limitText(limits.workspace)}</span></dd></div>
      </dl>
      {subjects.length === 0 ? null : counts.state === 'done' ? (
        <table>
          <caption>Published versions in the last 7 days, of what open drafts change</caption>
          <thead><tr><th scope="col">Definition</th><th scope="col">Versions this week</th><th scope="col">Limit</th></tr></thead>
          <tbody>
            {counts.value.map((c) => (
              <tr key={`${c.kind}/${c.id}`}><th scope="row">{c.kind} <code>{c.id}</code></th><td>{c.count}</td><td>{limitText(c.kind === 'segment' ? limits.segment : limits.placement)}</td></tr>
            ))}
          </tbody>
        </table>
      ) : <p className="loading">Counting…</p>}
      <p className="stat-note">A definition's own versions only: changes counted against it through others (an action aimed at a segment) and the workspace's total are checked by the server when publishing, not shown here.</p>
    </>
  );
}

/** The audit trail of the workspace, filtered by actor, action, target kind and days. */
function AuditTrail({ client }: { readonly client: AdminClient }) {
  const [form, setForm] = useState<AuditFilter>(emptyAuditFilter);
  const [query, setQuery] = useState(auditQuery(emptyAuditFilter, auditLimit));
  const loaded = useAsync(() => client.get<Audit>(`/admin/v1/audit?${query}`), query);
  const field = (name: keyof AuditFilter, label: string, type: 'text' | 'date' = 'text') => (
    <TextField value={form[name]} onChange={(value) => setForm({ ...form, [name]: value })}>
      <Label>{label}</Label>
      <Input type={type} />
    </TextField>
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setQuery(auditQuery(form, auditLimit));
  };
  return (
    <>
      <Form className="inline-form filters" onSubmit={submit} aria-label="Audit filters">
        {field('actorId', 'Actor id')}
        {field('action', 'Action (or a prefix ending in a dot)')}
        {field('targetKind', 'Target kind')}
        {field('since', 'From day', 'date')}
        {field('until', 'To day', 'date')}
        <Button type="submit">Filter</Button>
      </Form>
      {loaded.state === 'loading' ? <p className="loading">Loading…</p> : null}
      {loaded.state === 'failed' ? <p className="problem" role="alert">{loaded.error.message}</p> : null}
      {loaded.state === 'done' ? (
        <table data-testid="audit-entries">
          <caption>{loaded.value.entries.length === 0 ? 'No entries match' : `${loaded.value.entries.length} entries, oldest first${loaded.value.next === null ? '' : ' (the first page)'}`}</caption>
          <thead><tr><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Changes</th></tr></thead>
          <tbody>
            {loaded.value.entries.map((e) => (
              <tr key={e.seq}>
                <td><time dateTime={e.time}>{e.time.replace('T', ' ').slice(0, 19)}</time></td>
                <td>{e.actor.id}{e.actor.role === undefined ? '' : ` (${e.actor.role})`}</td>
                <td><code>{e.action}</code></td>
                <td>{e.target.kind} <code>{e.target.id}</code></td>
                <td className="value">{e.changes === undefined ? '' : e.changes.map((c) => c.path === '' ? '(whole)' : c.path).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

/**
 * Review (docs/studio.md): the drafts awaiting the person's approval and their own, each with
 * its diff against the published version; the review policy's weekly change limits; the audit
 * trail with filters. Asking for changes is not offered: the API has no such step (a draft
 * can only be discarded), see docs/review.md.
 */
export function ReviewPage({ client, permissions, userId }: ReviewPageProps) {
  const [generation, setGeneration] = useState(0);
  const refresh = () => setGeneration((g) => g + 1);
  const drafts = useAsync(() => client.get<Drafts>('/admin/v1/drafts'), `drafts:${generation}`);
  const policy = useAsync(() => client.get<Policy>('/admin/v1/review/policy'), 'policy');
  const canAudit = gate(permissions, 'audit.read');
  return (
    <>
      <h1>Review</h1>
      <Section title="Drafts" loaded={drafts}>
        {(value) => <DraftLists client={client} permissions={permissions} userId={userId} drafts={value.drafts} onChanged={refresh} />}
      </Section>
      <Section title="Change limits" loaded={policy}>
        {(value) => (drafts.state === 'done' ? <ChangeLimits client={client} policy={value} drafts={drafts.value.drafts} /> : <p className="loading">Loading…</p>)}
      </Section>
      <section className="card" aria-labelledby="audit-trail">
        <h2 id="audit-trail">Audit trail</h2>
        {canAudit.allowed ? <AuditTrail client={client} /> : <p className="reason" data-testid="audit-reason">{canAudit.reason}</p>}
      </section>
    </>
  );
}
