import { useState, type FormEvent } from 'react';
import { Button, Form, Input, Label, TextField } from 'react-aria-components';
import type { AdminClient } from '../AdminClient.js';
import { CustomerView } from './CustomerView.js';

export interface CustomersPageProps {
  readonly client: AdminClient;
  readonly permissions: readonly string[];
  /** The id in the URL (/studio/customers/<id>), or null on the search page. */
  readonly id: string | null;
  readonly navigate: (path: string) => void;
}

/**
 * Customers: look a person up by any id the engine knows them by (user id, anonymous id or
 * profile id: GET /admin/v1/profiles/:id resolves each), then their 360 view. The admin API
 * has no search by trait value, so neither has this page.
 */
export function CustomersPage({ client, permissions, id, navigate }: CustomersPageProps) {
  const [query, setQuery] = useState(id ?? '');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const wanted = query.trim();
    if (wanted !== '') navigate(`/customers/${encodeURIComponent(wanted)}`);
  };
  return (
    <>
      <h1>Customers</h1>
      <search>
        <Form className="inline-form" onSubmit={submit}>
          <TextField value={query} onChange={setQuery} isRequired>
            <Label>User id, anonymous id or profile id</Label>
            <Input type="search" />
          </TextField>
          <Button type="submit">Find</Button>
        </Form>
      </search>
      {id === null ? <p>Look up a person to see everything Attune holds and decides about them.</p> : <CustomerView key={id} client={client} permissions={permissions} id={id} />}
    </>
  );
}
