import { Option, type Command } from 'commander';
import type { AttuneConfig } from '../config/config.js';
import type { JsonChange } from '../core/audit/jsonDiff.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import type { ConfigVersion } from '../core/review/Draft.js';
import { isReviewKind, reviewKinds, type ReviewKind } from '../core/review/ReviewKind.js';
import { currentCaller } from '../audit/callerContext.js';
import type { DraftView, Publisher } from '../review/ReviewService.js';
import { numberOption } from './numberOption.js';
import { withEngine } from './withEngine.js';

type ConfigFrom = (options: { data?: string }) => AttuneConfig;

/**
 * The operator on the server's machine, who holds the data folder, acts with an owner's rights
 * (as `attune users` does): they may override a change limit, and the audit trail names them.
 */
function operator(): Publisher {
  return { actor: currentCaller().actor, isOwner: true };
}

function kindOf(value: string): ReviewKind {
  if (!isReviewKind(value)) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `the kind is one of ${reviewKinds.join(', ')}, not "${value}"`, field: 'kind' });
  return value;
}

const time = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());

/** Drafts as text: one line each, what their approvals lack below. */
export function formatDrafts(drafts: readonly DraftView[]): string {
  if (drafts.length === 0) return 'No drafts.\n';
  const lines = drafts.flatMap((d) => [
    `${d.id}  ${d.state.padEnd(9)} ${d.kind} ${d.targetId}${d.definition === null ? ' (delete)' : ''}  revision ${d.revision}, based on version ${d.baseVersion}, by ${d.author.kind} ${d.author.id}`
      + `${d.publishAt === null ? '' : `, at ${time(d.publishAt)}`}${d.publishedVersion === null ? '' : `, published as version ${d.publishedVersion}`}`,
    ...(d.state === 'open' || d.state === 'scheduled' ? d.approval.missing.map((m) => `    needs ${m}`) : []),
  ]);
  return `${lines.join('\n')}\n`;
}

/** Versions as text, oldest first. */
export function formatVersions(versions: readonly ConfigVersion[]): string {
  if (versions.length === 0) return 'No published versions.\n';
  return `${versions.map((v) => `${String(v.version).padStart(4)}  ${time(v.at)}  ${v.actor.kind} ${v.actor.id}  ${v.draftId === null ? 'direct' : `draft ${v.draftId}`}${v.definition === null ? '  (deleted)' : ''}`).join('\n')}\n`;
}

/** A diff as text: one line per change, with the values before and after as JSON. */
export function formatDiff(diff: { from: number; to: number; changes: readonly JsonChange[] }): string {
  const lines = diff.changes.map((c) => {
    const path = c.path === '' ? '(whole)' : c.path;
    if (c.op === 'add') return `+ ${path}: ${JSON.stringify(c.value)}`;
    if (c.op === 'remove') return `- ${path}: ${JSON.stringify(c.was)}`;
    return `~ ${path}: ${JSON.stringify(c.was)} -> ${JSON.stringify(c.value)}`;
  });
  return `Version ${diff.from} to ${diff.to}: ${diff.changes.length === 0 ? 'no changes' : `${diff.changes.length} change(s)`}\n${lines.map((l) => `  ${l}\n`).join('')}`;
}

/** `attune drafts list|publish` and `attune versions list|diff|revert` (docs/review.md); writing and approving drafts is the admin API's. */
export function registerDraftCommands(program: Command, configFrom: ConfigFrom, dataOption: () => Option): void {
  const drafts = program.command('drafts').description('drafts of features, segments, actions, placements, experiments, metrics and the measurement settings (docs/review.md)');
  drafts.command('list')
    .description('the drafts, newest first, with what their approvals still lack')
    .addOption(dataOption())
    .option('--workspace <id>', 'the workspace (needed when there are several)')
    .addOption(new Option('--state <state>', 'only drafts in this state').choices(['open', 'scheduled', 'published', 'discarded']))
    .option('--json', 'print the drafts as JSON')
    .action(async (options: { data?: string; workspace?: string; state?: 'open' | 'scheduled' | 'published' | 'discarded'; json?: boolean }) => {
      process.exitCode = await withEngine(configFrom(options), 'drafts', options.workspace, async (engine, workspace) => {
        const list = await engine.review.listDrafts(workspace.id, options.state === undefined ? undefined : [options.state]);
        process.stdout.write(options.json === true ? `${JSON.stringify(list, null, 2)}\n` : formatDrafts(list));
      });
    });
  drafts.command('publish <id>')
    .description('publish an approved draft now (stop the server first, or use POST /admin/v1/drafts/:id/publish)')
    .addOption(dataOption())
    .option('--workspace <id>', 'the workspace (needed when there are several)')
    .requiredOption('--revision <n>', 'the revision reviewed: another one is refused')
    .option('--override <reason>', 'publish past a weekly change limit, with the reason (recorded)')
    .action(async (id: string, options: { data?: string; workspace?: string; revision: string; override?: string }) => {
      process.exitCode = await withEngine(configFrom(options), 'drafts', options.workspace, async (engine, workspace) => {
        const published = await engine.review.publish(workspace.id, id, operator(), {
          expectedRevision: numberOption('--revision', options.revision, 1, Number.MAX_SAFE_INTEGER, true), ...(options.override === undefined ? {} : { override: { reason: options.override } }),
        });
        process.stdout.write(formatDrafts([published]));
      });
    });

  const versions = program.command('versions').description('the published versions of a definition: list, diff, revert (docs/review.md)');
  versions.command('list <kind> <id>')
    .description('every published version of a definition, oldest first')
    .addOption(dataOption())
    .option('--workspace <id>', 'the workspace (needed when there are several)')
    .option('--json', 'print the versions as JSON')
    .action(async (kind: string, id: string, options: { data?: string; workspace?: string; json?: boolean }) => {
      process.exitCode = await withEngine(configFrom(options), 'drafts', options.workspace, async (engine, workspace) => {
        const list = await engine.review.versions(workspace.id, kindOf(kind), id);
        process.stdout.write(options.json === true ? `${JSON.stringify(list, null, 2)}\n` : formatVersions(list));
      });
    });
  versions.command('diff <kind> <id>')
    .description('the changes between two versions (default: the newest against the one before)')
    .addOption(dataOption())
    .option('--workspace <id>', 'the workspace (needed when there are several)')
    .option('--from <n>', 'the earlier version (0: nothing)')
    .option('--to <n>', 'the later version (default the newest)')
    .action(async (kind: string, id: string, options: { data?: string; workspace?: string; from?: string; to?: string }) => {
      process.exitCode = await withEngine(configFrom(options), 'drafts', options.workspace, async (engine, workspace) => {
        const diff = await engine.review.diff(workspace.id, kindOf(kind), id, {
          ...(options.from === undefined ? {} : { from: numberOption('--from', options.from, 0, Number.MAX_SAFE_INTEGER, true) }), ...(options.to === undefined ? {} : { to: numberOption('--to', options.to, 1, Number.MAX_SAFE_INTEGER, true) }),
        });
        process.stdout.write(formatDiff(diff));
      });
    });
  versions.command('revert <kind> <id> <version>')
    .description('restore an earlier version exactly: a draft that needs the same approvals, published at once when none are required')
    .addOption(dataOption())
    .option('--workspace <id>', 'the workspace (needed when there are several)')
    .action(async (kind: string, id: string, version: string, options: { data?: string; workspace?: string }) => {
      process.exitCode = await withEngine(configFrom(options), 'drafts', options.workspace, async (engine, workspace) => {
        const draft = await engine.review.revert(workspace.id, kindOf(kind), id, numberOption('version', version, 1, Number.MAX_SAFE_INTEGER, true), operator());
        process.stdout.write(formatDrafts([draft]));
      });
    });
}
