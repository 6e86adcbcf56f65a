import type { Static } from 'typebox';
import type { Profile } from '../../api/schemas.js';
import type { ProfilePredictionsView } from '../../api/predictionSchemas.js';
import type { AdminClient } from '../AdminClient.js';
import { Section } from '../components/Section.js';
import { useAsync } from '../components/useAsync.js';
import { PrivacyActions } from './PrivacyActions.js';

type ProfileView = Static<typeof Profile>;
type PredictionsView = Static<typeof ProfilePredictionsView>;

/** A recorded decision (GET /admin/v1/profiles/:id/decisions). */
interface DecisionView {
  readonly decisionId: string;
  readonly placementId: string;
  readonly actionId: string | null;
  readonly variant: string | null;
  readonly probability: number;
  readonly fallback: string | null;
  readonly segments: readonly string[];
  readonly reasons: unknown;
  readonly at: string;
}

/** An instant as `2026-12-07 05:40:50 UTC`: one unambiguous form for every reader. */
const when = (iso: string | null) => (iso === null ? 'evaluated on the spot' : `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')} UTC`);
const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
const isEmpty = (value: unknown) => value === null || value === undefined || (Array.isArray(value) && value.length === 0);

/** A decision's reasons as `name: value` lines, leaving out the empty ones. */
function Reasons({ reasons }: { readonly reasons: unknown }) {
  if (typeof reasons !== 'object' || reasons === null) return <>{show(reasons)}</>;
  const entries = Object.entries(reasons).filter(([, v]) => !isEmpty(v));
  return <ul className="reasons">{entries.map(([k, v]) => <li key={k}><strong>{k}</strong>: {show(v)}</li>)}</ul>;
}

function Pairs({ caption, values }: { readonly caption: string; readonly values: Readonly<Record<string, unknown>> }) {
  const entries = Object.entries(values);
  if (entries.length === 0) return <p>None.</p>;
  return (
    <table>
      <caption className="visually-hidden">{caption}</caption>
      <thead><tr><th scope="col">Name</th><th scope="col">Value</th></tr></thead>
      <tbody>{entries.map(([k, v]) => <tr key={k}><th scope="row">{k}</th><td className="value">{show(v)}</td></tr>)}</tbody>
    </table>
  );
}

/**
 * One person's 360 view: identities, traits, features, the live session, segments with entry
 * times, consent with its history, predictions, recent events as a timeline, and decisions
 * with their reasons; export and erasure where the role allows. Each view is recorded in the
 * audit trail by the server, as every read of personal data is.
 */
export function CustomerView({ client, permissions, id }: { readonly client: AdminClient; readonly permissions: readonly string[]; readonly id: string }) {
  const path = `/admin/v1/profiles/${encodeURIComponent(id)}`;
  const profile = useAsync(() => client.get<ProfileView>(`${path}?events=50`), path);
  const decisions = useAsync(() => client.get<DecisionView[]>(`${path}/decisions?limit=50`), `${path}/decisions`);
  const predictions = useAsync(() => client.get<PredictionsView>(`${path}/predictions`), `${path}/predictions`);

  return (
    <div className="customer">
      <Section title="Profile" loaded={profile}>
        {(p) => (
          <>
            <p>Profile <code data-testid="profile-id">{p.id}</code>, first seen {when(p.firstSeen)}, last seen {when(p.lastSeen)}.</p>
            <h3>Identities</h3>
            <ul>{p.identities.map((i) => <li key={`${i.kind}:${i.value}`}>{i.kind === 'user' ? 'User id' : 'Anonymous id'}: <code>{i.value}</code></li>)}</ul>
            {p.mergedProfileIds.length > 0 ? <p>Merged from {p.mergedProfileIds.length} other profiles.</p> : null}
            <PrivacyActions client={client} permissions={permissions} profileId={p.id} />
          </>
        )}
      </Section>
      <div className="columns">
        <Section title="Traits" loaded={profile}>{(p) => <Pairs caption="Traits" values={p.traits} />}</Section>
        <Section title="Features" loaded={profile}>{(p) => <Pairs caption="Features" values={p.features} />}</Section>
        <Section title="Session" loaded={profile}>{(p) => <Pairs caption="Session" values={p.session} />}</Section>
        <Section title="Segments" loaded={profile}>
          {(p) => (p.segments.length === 0 ? <p>In no segment.</p> : (
            <ul>{p.segments.map((s) => <li key={s.id}><strong>{s.id}</strong>: entered {when(s.enteredAt)}</li>)}</ul>
          ))}
        </Section>
        <Section title="Consent" loaded={profile}>
          {(p) => (
            <>
              <ul>{Object.entries(p.consent.purposes).map(([purpose, c]) => (
                <li key={purpose}><strong>{purpose}</strong>: {c.granted ? 'granted' : 'withheld'}{c.decidedAt === null ? ' (workspace default)' : `, ${when(c.decidedAt)}${c.source === null ? '' : ` via ${c.source}`}`}</li>
              ))}</ul>
              <h3>History</h3>
              {p.consent.history.length === 0 ? <p>No consent recorded.</p> : (
                <ol>{p.consent.history.map((h, i) => <li key={i}>{when(h.at)}: {h.purpose} {h.granted ? 'granted' : 'withdrawn'} via {h.source}</li>)}</ol>
              )}
            </>
          )}
        </Section>
        <Section title="Predictions" loaded={predictions}>
          {(pr) => <Pairs caption="Predictions" values={pr.values} />}
        </Section>
      </div>
      <Section title="Recent events" loaded={profile}>
        {(p) => (p.recentEvents.length === 0 ? <p>No events.</p> : (
          <ol className="timeline">
            {p.recentEvents.map((e) => (
              <li key={e.seq}>
                <time dateTime={e.timestamp}>{when(e.timestamp)}</time> <strong>{e.type}</strong>{e.name === null ? '' : ` ${e.name}`}
              </li>
            ))}
          </ol>
        ))}
      </Section>
      <Section title="Decisions" loaded={decisions}>
        {(list) => (list.length === 0 ? <p>No decisions recorded.</p> : (
          <table>
            <caption className="visually-hidden">Decisions, newest first</caption>
            <thead><tr><th scope="col">When</th><th scope="col">Placement</th><th scope="col">Action</th><th scope="col">Why</th></tr></thead>
            <tbody>{list.map((d) => (
              <tr key={d.decisionId}>
                <td>{when(d.at)}</td><td>{d.placementId}</td>
                <td>{d.actionId ?? `fallback (${d.fallback ?? 'none'})`}{d.variant === null ? '' : ` / ${d.variant}`}</td>
                <td className="value"><Reasons reasons={d.reasons} /></td>
              </tr>
            ))}</tbody>
          </table>
        ))}
      </Section>
    </div>
  );
}
