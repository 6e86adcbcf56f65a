import { useState } from 'react';
import { Button, Form, Label, TextArea, TextField } from 'react-aria-components';
import type { Static } from 'typebox';
import type { DraftView, VersionList } from '../../api/reviewSchemas.js';
import type { JsonValue } from '../../core/audit/canonicalJson.js';
import { diffJson } from '../../core/audit/jsonDiff.js';
import type { AdminClient } from '../AdminClient.js';
import { problemText } from '../components/Section.js';
import { useAsync } from '../components/useAsync.js';
import { gate, type Gate } from '../permissionGate.js';

export type Draft = Static<typeof DraftView>;
type Versions = Static<typeof VersionList>;

// Strings as they are (a rule reads better without JSON's escapes); anything else as JSON.
const show = (value: JsonValue | undefined) => (value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value));

/** The draft's changes against the published version (none: everything is new). */
function DraftDiff({ client, draft }: { readonly client: AdminClient; readonly draft: Draft }) {
  const loaded = useAsync(() => client.get<Versions>(`/admin/v1/versions/${draft.kind}/${encodeURIComponent(draft.targetId)}`), `${draft.id}:${draft.revision}`);
  if (loaded.state === 'loading') return <p className="loading">Loading the published version…</p>;
  if (loaded.state === 'failed') return <p className="problem" role="alert">{problemText(loaded.error)}</p>;
  const latest = loaded.value.versions[loaded.value.versions.length - 1];
  const before = latest === undefined || latest.definition === null ? undefined : latest.definition as JsonValue;
  const after = draft.definition === null ? undefined : draft.definition as JsonValue;
  // A creation is one add of the whole definition: list its fields instead, they read better.
  const changes = before === undefined && after !== null && typeof after === 'object' && !Array.isArray(after)
    ? Object.entries(after).filter(([, value]) => value !== undefined).map(([key, value]) => ({ op: 'add' as const, path: `/${key}`, value: value as JsonValue }))
    : diffJson(before, after);
  return (
    <table className="diff">
      <caption>{latest === undefined ? 'New: nothing published yet' : `Against published version ${latest.version}`}</caption>
      <thead><tr><th scope="col">Field</th><th scope="col">Published</th><th scope="col">Draft</th></tr></thead>
      <tbody>
        {changes.length === 0 ? <tr><td colSpan={3}>No changes</td></tr> : changes.map((change) => (
          <tr key={change.path} className={`diff-${change.op}`}>
            <th scope="row"><code>{change.path === '' ? '(whole definition)' : change.path}</code></th>
            <td className="value">{change.op === 'add' ? '' : show(change.was)}</td>
            <td className="value">{change.op === 'remove' ? '(removed)' : show(change.value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function GatedButton({ label, gated, onPress, id, className }: { readonly label: string; readonly gated: Gate; readonly onPress: () => void; readonly id: string; readonly className?: string }) {
  return (
    <div>
      <Button className={className} onPress={onPress} isDisabled={!gated.allowed} aria-describedby={gated.allowed ? undefined : id}>{label}</Button>
      {gated.allowed ? null : <span className="reason" id={id}>{gated.reason}</span>}
    </div>
  );
}

/** Why a step is closed on this draft even though the role may take it. */
function also(gated: Gate, blocked: string | null): Gate {
  return gated.allowed && blocked !== null ? { allowed: false, reason: blocked } : gated;
}

export interface DraftCardProps {
  readonly client: AdminClient;
  readonly permissions: readonly string[];
  readonly userId: string;
  readonly draft: Draft;
  /** Called with the draft as the server answered after a step. */
  readonly onChanged: () => void;
}

/**
 * One draft: what it changes against the published version, where its approvals stand, and
 * the steps the signed-in person may take (approve, publish, discard), each disabled with the
 * reason when their role or the draft's state closes it. The server checks everything again.
 */
export function DraftCard({ client, permissions, userId, draft, onChanged }: DraftCardProps) {
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [comment, setComment] = useState('');
  const mine = draft.author.kind === 'user' && draft.author.id === userId;
  const approvedByMe = draft.approvals.some((a) => a.userId === userId && a.revision === draft.revision);
  const key = `draft-${draft.id}`;
  const step = (run: () => Promise<unknown>) => async () => {
    setProblem(null);
    setBusy(true);
    try {
      await run();
      onChanged();
    } catch (error) {
      setProblem(problemText(error instanceof Error ? error : new Error(String(error))));
    } finally {
      setBusy(false);
    }
  };
  const path = `/admin/v1/drafts/${encodeURIComponent(draft.id)}`;
  const approve = also(gate(permissions, 'review.approve'), mine ? 'You wrote this draft: another person approves it.' : approvedByMe ? 'You approved this revision.' : busy ? 'Working…' : null);
  const publish = also(gate(permissions, 'config.publish'), draft.approval.satisfied ? (busy ? 'Working…' : null) : `Waiting for ${draft.approval.missing.join('; ')}.`);
  const askChanges = also(gate(permissions, 'review.approve'), mine ? 'You wrote this draft: edit it instead.' : busy ? 'Working…' : null);
  const discard = also(gate(permissions, 'config.write'), busy ? 'Working…' : null);

  return (
    <article className="card draft" aria-labelledby={`${key}-title`} data-testid="draft">
      <h4 id={`${key}-title`}>{draft.definition === null ? 'Delete' : 'Change'} {draft.kind} <code>{draft.targetId}</code></h4>
      <p className="meta">
        By <span data-testid="draft-author">{draft.author.id}</span>, revision {draft.revision}, {draft.state}
        {draft.publishAt === null ? '' : `, publishes at ${new Date(draft.publishAt).toISOString()}`}.{' '}
        <span data-testid="approval-status">{draft.approval.satisfied ? 'Approvals complete.' : `Needs ${draft.approval.missing.join('; ')}.`}</span>
        {draft.approvals.length === 0 ? null : ` Approved by ${draft.approvals.filter((a) => a.revision === draft.revision).map((a) => a.userId).join(', ')}.`}
      </p>
      {draft.changesRequested === null ? null : (
        <p className="changes-requested" data-testid="changes-requested">
          Changes requested by {draft.changesRequested.by} on revision {draft.changesRequested.revision}: <q>{draft.changesRequested.comment}</q>
        </p>
      )}
      <DraftDiff client={client} draft={draft} />
      <div className="privacy-actions" role="group" aria-label={`Steps for draft ${draft.targetId}`}>
        <GatedButton label="Approve" gated={approve} id={`${key}-approve`} onPress={step(() => client.post(`${path}/approvals`, { revision: draft.revision }))} />
        <GatedButton label="Publish" gated={publish} id={`${key}-publish`} onPress={step(() => client.post(`${path}/publish`, { expectedRevision: draft.revision }))} />
        <GatedButton label="Discard" className="danger" gated={discard} id={`${key}-discard`} onPress={step(() => client.delete(path))} />
      </div>
      {askChanges.allowed ? (
        <Form
          className="inline-form" aria-label={`Request changes to draft ${draft.targetId}`}
          onSubmit={(event) => {
            event.preventDefault();
            if (comment.trim() !== '') void step(() => client.post(`${path}/request-changes`, { revision: draft.revision, comment: comment.trim() }))();
          }}
        >
          <TextField value={comment} onChange={setComment} isRequired>
            <Label>What should change</Label>
            <TextArea rows={2} />
          </TextField>
          <Button type="submit" className="secondary">Request changes</Button>
        </Form>
      ) : null}
      {problem === null ? null : <p className="problem" role="alert">{problem}</p>}
    </article>
  );
}
