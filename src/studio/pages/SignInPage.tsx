import { useState, type FormEvent } from 'react';
import { Button, Form, Input, Label, TextField } from 'react-aria-components';
import { ApiProblem, type AdminClient } from '../AdminClient.js';
import { AcceptInvitation } from './AcceptInvitation.js';

const workspaceKey = 'attune.studio.workspace';

/**
 * Sign-in with a workspace's user (POST /admin/v1/sessions). The workspace is remembered in
 * this browser, since people sign in to the same one day after day.
 */
export function SignInPage({ client, onSignedIn }: { readonly client: AdminClient; readonly onSignedIn: () => void }) {
  const [workspaceId, setWorkspaceId] = useState(() => window.localStorage.getItem(workspaceKey) ?? '');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [invited, setInvited] = useState<'no' | 'accepting' | 'accepted'>('no');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await client.signIn(workspaceId.trim(), email.trim(), password);
      window.localStorage.setItem(workspaceKey, workspaceId.trim());
      onSignedIn();
    } catch (error) {
      setProblem(error instanceof ApiProblem ? error.detail : 'The server could not be reached.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in" id="main">
      <h1>Attune studio</h1>
      <p>Sign in with the account your workspace invited you to.</p>
      <Form onSubmit={submit} aria-describedby={problem === null ? undefined : 'sign-in-problem'}>
        <TextField name="workspaceId" value={workspaceId} onChange={setWorkspaceId} isRequired autoComplete="organization">
          <Label>Workspace id</Label>
          <Input />
        </TextField>
        <TextField name="email" type="email" value={email} onChange={setEmail} isRequired autoComplete="username">
          <Label>Email</Label>
          <Input />
        </TextField>
        <TextField name="password" type="password" value={password} onChange={setPassword} isRequired autoComplete="current-password">
          <Label>Password</Label>
          <Input />
        </TextField>
        {problem === null ? null : <p className="problem" id="sign-in-problem" role="alert">{problem}</p>}
        <Button type="submit" isDisabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</Button>
      </Form>
      {invited === 'accepted' ? <p role="status">Invitation accepted: sign in with your email and the new password.</p> : null}
      {invited === 'accepting'
        ? <><h2>Accept an invitation</h2><AcceptInvitation client={client} onAccepted={() => setInvited('accepted')} /></>
        : <p><Button className="link" onPress={() => setInvited('accepting')}>I have an invitation</Button></p>}
    </main>
  );
}
