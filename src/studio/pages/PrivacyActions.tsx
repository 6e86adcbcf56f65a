import { useState } from 'react';
import { Button, Dialog, DialogTrigger, Heading, Modal } from 'react-aria-components';
import type { Static } from 'typebox';
import type { ErasureReceipt } from '../../api/privacySchemas.js';
import type { AdminClient } from '../AdminClient.js';
import { problemText } from '../components/Section.js';
import { gate, type Gate } from '../permissionGate.js';

type Receipt = Static<typeof ErasureReceipt>;

function Reason({ gated, id }: { readonly gated: Gate; readonly id: string }) {
  return gated.allowed ? null : <span className="reason" id={id}>{gated.reason}</span>;
}

/**
 * Export and erase one person through the privacy API (POST /admin/v1/privacy/export and
 * /erase, by profile id). Erasure cannot be undone, so it asks first, in a dialog. Without the
 * permission the button stays, disabled, with the reason next to it.
 */
export function PrivacyActions({ client, permissions, profileId }: { readonly client: AdminClient; readonly permissions: readonly string[]; readonly profileId: string }) {
  const canExport = gate(permissions, 'privacy.export');
  const canErase = gate(permissions, 'privacy.erase');
  const [download, setDownload] = useState<string | null>(null);
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const exportPerson = async () => {
    setProblem(null);
    try {
      const data = await client.post<unknown>('/admin/v1/privacy/export', { profileId });
      setDownload(URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' })));
    } catch (error) {
      setProblem(problemText(error instanceof Error ? error : new Error(String(error))));
    }
  };
  const erasePerson = async (close: () => void) => {
    setProblem(null);
    try {
      setReceipt(await client.post<Receipt>('/admin/v1/privacy/erase', { profileId }));
    } catch (error) {
      setProblem(problemText(error instanceof Error ? error : new Error(String(error))));
    }
    close();
  };

  return (
    <div className="privacy-actions" role="group" aria-label="Data-subject rights">
      <div>
        <Button onPress={exportPerson} isDisabled={!canExport.allowed} aria-describedby={canExport.allowed ? undefined : 'export-reason'}>Export data</Button>
        <Reason gated={canExport} id="export-reason" />
        {download === null ? null : <a href={download} download={`attune-export-${profileId}.json`}>Download the export (JSON)</a>}
      </div>
      <div>
        <DialogTrigger>
          <Button className="danger" isDisabled={!canErase.allowed} aria-describedby={canErase.allowed ? undefined : 'erase-reason'}>Erase person…</Button>
          <Modal className="modal" isDismissable>
            <Dialog role="alertdialog">
              {({ close }) => (
                <>
                  <Heading slot="title">Erase this person?</Heading>
                  <p>Everything held about profile <code>{profileId}</code> is removed: events, traits, identities, derived state, decisions and exposures. Later events for their identities are dropped. This cannot be undone.</p>
                  <div className="buttons">
                    <Button className="secondary" onPress={close} autoFocus>Cancel</Button>
                    <Button className="danger" onPress={() => erasePerson(close)}>Erase</Button>
                  </div>
                </>
              )}
            </Dialog>
          </Modal>
        </DialogTrigger>
        <Reason gated={canErase} id="erase-reason" />
      </div>
      {problem === null ? null : <p className="problem" role="alert">{problem}</p>}
      {receipt === null ? null : (
        <p role="status" data-testid="erasure-receipt">
          Erased: {receipt.found ? `${receipt.removed.events} events, ${receipt.removed.profiles} profiles, ${receipt.removed.decisions} decisions removed` : 'nothing was held'};
          {' '}verification {receipt.verification.clean ? 'found nothing left' : 'found data left: see the receipt'} (receipt {receipt.id}).
        </p>
      )}
    </div>
  );
}
