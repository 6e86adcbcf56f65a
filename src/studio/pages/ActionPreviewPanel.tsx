import { useState, type FormEvent } from 'react';
import { Button, Form, Input, Label, TextField } from 'react-aria-components';
import type { ActionPreviewView } from '../../api/decideSchemas.js';
import type { ActionDefinition } from '../../core/decide/ActionDefinition.js';
import type { AdminClient } from '../AdminClient.js';
import { problemText } from '../components/Section.js';
import type { Gate } from '../permissionGate.js';

type Preview = { readonly state: 'none' } | { readonly state: 'shown'; readonly view: ActionPreviewView } | { readonly state: 'failed'; readonly message: string };

const yesNo = (value: boolean | null, none: string) => (value === null ? none : value ? 'yes' : 'no');

/** The rendered content: each text member as a labelled line (what a page would show), anything else as JSON. */
function RenderedContent({ content }: { readonly content: unknown }) {
  if (typeof content !== 'object' || content === null || Array.isArray(content)) return <pre className="caret">{JSON.stringify(content, null, 2)}</pre>;
  return (
    <dl className="rendered" data-testid="preview-content">
      {Object.entries(content).map(([key, value]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * The rendered preview of the action being edited, for a profile (by user, anonymous or
 * profile id) in a locale: POST /admin/v1/actions/preview renders it through the decision's
 * own render step on the server, so what shows here is what a decision would answer (the
 * studio renders no template itself). It reads a person's data: `personalData.read`.
 */
export function ActionPreviewPanel({ client, definition, locales, access }: {
  readonly client: AdminClient;
  /** The definition as the editor has it now; null while the form does not make one. */
  readonly definition: ActionDefinition | null;
  /** The variants' locales, offered as a hint. */
  readonly locales: readonly string[];
  readonly access: Gate;
}) {
  const [profileId, setProfileId] = useState('');
  const [locale, setLocale] = useState('');
  const [preview, setPreview] = useState<Preview>({ state: 'none' });

  const show = async (event: FormEvent) => {
    event.preventDefault();
    if (definition === null) return;
    try {
      const view = await client.post<ActionPreviewView>('/admin/v1/actions/preview', { action: definition, profileId: profileId.trim(), ...(locale.trim() === '' ? {} : { locale: locale.trim() }) });
      setPreview({ state: 'shown', view });
    } catch (error) {
      setPreview({ state: 'failed', message: problemText(error instanceof Error ? error : new Error(String(error))) });
    }
  };

  if (!access.allowed) return <p className="reason" data-testid="preview-reason">Preview: {access.reason}</p>;
  return (
    <Form onSubmit={show} aria-label="Preview for a profile" className="preview">
      <h3>Preview for a profile</h3>
      <div className="inline-form">
        <TextField value={profileId} onChange={setProfileId} isRequired>
          <Label>Profile (user, anonymous or profile id)</Label>
          <Input />
        </TextField>
        <TextField value={locale} onChange={setLocale}>
          <Label>Locale ({locales.join(', ')})</Label>
          <Input placeholder="de-CH" />
        </TextField>
        <Button type="submit" className="secondary" isDisabled={definition === null || profileId.trim() === ''}>Preview</Button>
      </div>
      <div aria-live="polite" data-testid="preview">
        {preview.state === 'failed' ? <p className="problem">{preview.message}</p> : null}
        {preview.state === 'shown' ? (
          <>
            <p>
              {preview.view.variant === null
                ? `No variant for ${preview.view.locales.join(' → ')}: the action would be skipped.`
                : `Variant ${preview.view.variant} (tried ${preview.view.locales.join(' → ')}) for profile ${preview.view.profileId}.`}
              {' '}Rule holds: {yesNo(preview.view.ruleHolds, 'no rule, everyone')}. In schedule: {yesNo(preview.view.inSchedule, '')}.
              {preview.view.personalization ? '' : ' The profile does not consent to personalization: only the request context fills placeholders.'}
            </p>
            {preview.view.variant === null ? null : <RenderedContent content={preview.view.content} />}
          </>
        ) : null}
      </div>
    </Form>
  );
}
