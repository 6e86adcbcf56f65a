import { useCallback, useEffect, useState } from 'react';
import type { AdminClient, MeView } from './AdminClient.js';
import { problemText } from './components/Section.js';
import { ActionsPage } from './pages/ActionsPage.js';
import { CustomersPage } from './pages/CustomersPage.js';
import { ExperimentResults } from './pages/ExperimentResults.js';
import { ExperimentsPage } from './pages/ExperimentsPage.js';
import { OverviewPage } from './pages/OverviewPage.js';
import { ReviewPage } from './pages/ReviewPage.js';
import { SegmentsPage } from './pages/SegmentsPage.js';
import { SignInPage } from './pages/SignInPage.js';
import { Shell } from './Shell.js';
import { useLocation } from './useLocation.js';

type SessionState = { readonly kind: 'checking' } | { readonly kind: 'signedOut' } | { readonly kind: 'signedIn'; readonly me: MeView } | { readonly kind: 'failed'; readonly message: string };

/** The studio: who is signed in (GET /admin/v1/me), then the page the URL names, inside the shell. */
export function App({ client }: { readonly client: AdminClient }) {
  const { path, navigate } = useLocation();
  const [session, setSession] = useState<SessionState>({ kind: 'checking' });
  const refresh = useCallback(() => {
    client.me().then(
      (me) => setSession(me === null ? { kind: 'signedOut' } : { kind: 'signedIn', me }),
      (error: unknown) => setSession({ kind: 'failed', message: problemText(error instanceof Error ? error : new Error(String(error))) }),
    );
  }, [client]);
  useEffect(refresh, [refresh]);
  useEffect(() => {
    client.onSessionEnded = () => setSession({ kind: 'signedOut' });
  }, [client]);

  useEffect(() => {
    const page = path === '/' ? 'Overview' : path.startsWith('/customers') ? 'Customers' : path === '/segments' ? 'Segments' : path === '/review' ? 'Review' : path === '/actions' ? 'Actions' : path.startsWith('/experiments') ? 'Experiments' : 'Not found';
    document.title = session.kind === 'signedIn' ? `${page} · Attune studio` : 'Sign in · Attune studio';
  }, [path, session.kind]);

  if (session.kind === 'checking') return <main id="main"><p className="loading">Loading…</p></main>;
  if (session.kind === 'failed') return <main id="main"><p className="problem" role="alert">{session.message}</p></main>;
  if (session.kind === 'signedOut') return <SignInPage client={client} onSignedIn={refresh} />;

  const { me } = session;
  const signOut = () => {
    client.signOut().finally(() => setSession({ kind: 'signedOut' }));
  };
  const customer = /^\/customers(?:\/(.+))?$/.exec(path);
  const experiment = /^\/experiments\/(.+)$/.exec(path);
  return (
    <Shell me={me} path={path} navigate={navigate} onSignOut={signOut}>
      {path === '/' ? <OverviewPage client={client} permissions={me.permissions} />
        : customer !== null ? <CustomersPage client={client} permissions={me.permissions} id={customer[1] === undefined ? null : decodeURIComponent(customer[1])} navigate={navigate} />
          : path === '/segments' ? <SegmentsPage client={client} permissions={me.permissions} navigate={navigate} />
            : path === '/review' ? <ReviewPage client={client} permissions={me.permissions} userId={me.user?.id ?? me.actor.id} />
              : path === '/actions' ? <ActionsPage client={client} permissions={me.permissions} />
                : path === '/experiments' ? <ExperimentsPage client={client} permissions={me.permissions} navigate={navigate} />
                  : experiment?.[1] !== undefined ? <ExperimentResults client={client} id={decodeURIComponent(experiment[1])} />
                    : <><h1>Not found</h1><p>No studio page at {path}.</p></>}
    </Shell>
  );
}
