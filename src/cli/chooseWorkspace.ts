import { AttuneError } from '../core/errors/AttuneError.js';
import type { Workspace, WorkspaceStore } from '../store/ports.js';
import { shopWorkspaceId } from '../examples/shopExample.js';

/**
 * The workspace named by --workspace, or the only one there is (not counting the example
 * shop's, which `attune serve` creates by itself); otherwise a usage error.
 */
export async function chooseWorkspace(workspaces: WorkspaceStore, id: string | undefined): Promise<Workspace> {
  if (id !== undefined) {
    const workspace = await workspaces.getWorkspace(id);
    if (workspace === undefined) throw new AttuneError('ATTUNE_WORKSPACE_NOT_FOUND', { detail: `no workspace "${id}"` });
    return workspace;
  }
  const all = (await workspaces.listWorkspaces()).filter((w) => w.id !== shopWorkspaceId);
  if (all.length === 1) return all[0]!;
  throw new AttuneError('ATTUNE_INVALID_REQUEST', {
    detail: all.length === 0 ? 'there is no workspace yet: run attune workspace create NAME' : 'there are several workspaces: choose one with --workspace ID',
    field: '--workspace',
  });
}
