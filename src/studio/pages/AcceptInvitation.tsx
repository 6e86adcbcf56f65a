import { useState, type FormEvent } from 'react';
import { Button, Form, Input, Label, TextField } from 'react-aria-components';
import { ApiProblem, type AdminClient } from '../AdminClient.js';

/**
 * Accepting an invitation (POST /admin/v1/invitations/accept): the token an admin passed on
 * (`attune users invite`, POST /admin/v1/users) and a password of 12 to 256 characters. Then
 * the person signs in with the form beside it.
 */
export function AcceptInvitation({ client, onAccepted }: { readonly client: AdminClient; readonly onAccepted: () => void }) {
  const [token, setToken] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    try {
      await client.acceptInvitation(token.trim(), password);
      onAccepted();
    } catch (error) {
      setProblem(error instanceof ApiProblem ? error.detail : 'The server could not be reached.');
    }
  };

  return (
    <Form onSubmit={submit} aria-label="Accept an invitation">
      <TextField name="token" value={token} onChange={setToken} isRequired>
        <Label>Invitation token</Label>
        <Input />
      </TextField>
      <TextField name="newPassword" type="password" value={password} onChange={setPassword} isRequired minLength={12} autoComplete="new-password">
        <Label>Choose a password (12 characters or more)</Label>
        <Input />
      </TextField>
      {problem === null ? null : <p className="problem" role="alert">{problem}</p>}
      <Button type="submit">Accept the invitation</Button>
    </Form>
  );
}
