import { useState, type FormEvent } from 'react';
import { Button, Form, Input, Label, TextField } from 'react-aria-components';
import type { Static } from 'typebox';
import type { ProfileSearch } from '../../api/schemas.js';
import type { AdminClient } from '../AdminClient.js';
import { problemText } from '../components/Section.js';
import { CustomerView } from './CustomerView.js';

type Found = Static<typeof ProfileSearch>;
type Search = { readonly state: 'idle' } | { readonly state: 'loading' } | { readonly state: 'done'; readonly trait: string; readonly value: string; readonly found: Found } | { readonly state: 'failed'; readonly message: string };

/** Profiles a trait search lists at once; the rest are a page away. */
const pageSize = 20;

/**
 * Find people by a trait's value (GET /admin/v1/profiles?trait=&value=): an email typed in
 * any case, a customer number. Each match links to its 360 view.
 */
function TraitSearch({ client, navigate }: { readonly client: AdminClient; readonly navigate: (path: string) => void }) {
  const [trait, setTrait] = useState('email');
  const [value, setValue] = useState('');
  const [search, setSearch] = useState<Search>({ state: 'idle' });
  const run = async (after: string) => {
    const wanted = { trait: trait.trim(), value: value.trim() };
    if (wanted.trait === '' || wanted.value === '') return;
    setSearch({ state: 'loading' });
    const query = new URLSearchParams({ ...wanted, after, limit: String(pageSize) });
    try {
      setSearch({ state: 'done', ...wanted, found: await client.get<Found>(`/admin/v1/profiles?${query.toString()}`) });
    } catch (error) {
      setSearch({ state: 'failed', message: problemText(error instanceof Error ? error : new Error(String(error))) });
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run('');
  };
  return (
    <section className="card" aria-labelledby="trait-search" aria-busy={search.state === 'loading'}>
      <h2 id="trait-search">Find by trait</h2>
      <search aria-label="By trait">
        <Form className="inline-form" onSubmit={submit}>
          <TextField value={trait} onChange={setTrait} isRequired>
            <Label>Trait name</Label>
            <Input spellCheck={false} />
          </TextField>
          <TextField value={value} onChange={setValue} isRequired>
            <Label>Trait value</Label>
            <Input type="search" spellCheck={false} />
          </TextField>
          <Button type="submit">Search traits</Button>
        </Form>
      </search>
      <div aria-live="polite" data-testid="trait-results">
        {search.state === 'loading' ? <p className="loading">Searching…</p> : null}
        {search.state === 'failed' ? <p className="problem" role="alert">{search.message}</p> : null}
        {search.state === 'done' ? (
          search.found.profiles.length === 0 ? <p>No profile has {search.trait} = {search.value}.</p> : (
            <>
              <p>Profiles with {search.trait} = {search.value} (text compared without case):</p>
              <ul>
                {search.found.profiles.map((p) => (
                  <li key={p.id}>
                    <a href={`/studio/customers/${encodeURIComponent(p.id)}`} onClick={(event) => { event.preventDefault(); navigate(`/customers/${encodeURIComponent(p.id)}`); }}>
                      <code>{p.id}</code>
                    </a>
                    {' '}<span className="stat-note">last seen {p.lastSeen.slice(0, 10)}</span>
                  </li>
                ))}
              </ul>
              {search.found.next === null ? null : <Button className="secondary" onPress={() => void run(search.found.next ?? '')}>Next {pageSize}</Button>}
            </>
          )
        ) : null}
      </div>
    </section>
  );
}

export interface CustomersPageProps {
  readonly client: AdminClient;
  readonly permissions: readonly string[];
  /** The id in the URL (/studio/customers/<id>), or null on the search page. */
  readonly id: string | null;
  readonly navigate: (path: string) => void;
}

/**
 * Customers: look a person up by any id the engine knows them by (user id, anonymous id or
 * profile id: GET /admin/v1/profiles/:id resolves each), or by a trait's value, then their 360
 * view.
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
      <search aria-label="By id">
        <Form className="inline-form" onSubmit={submit}>
          <TextField value={query} onChange={setQuery} isRequired>
            <Label>User id, anonymous id or profile id</Label>
            <Input type="search" />
          </TextField>
          <Button type="submit">Find</Button>
        </Form>
      </search>
      {id === null ? (
        <>
          <p>Look up a person to see everything Attune holds and decides about them.</p>
          <TraitSearch client={client} navigate={navigate} />
        </>
      ) : <CustomerView key={id} client={client} permissions={permissions} id={id} />}
    </>
  );
}
