import type { Command, Option } from 'commander';
import { AccessService, defaultAccessSettings } from '../access/AccessService.js';
import { owaspScryptCost } from '../access/passwords.js';
import { isRole, roles, type Role } from '../core/access/accessMatrix.js';
import type { UserChanger } from '../core/access/userRules.js';
import type { AttuneConfig } from '../config/config.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import type { PersonalTokenRecord, UserRecord, Workspace } from '../store/ports.js';
import { AuditTrail } from '../audit/AuditTrail.js';
import { chooseWorkspace } from './chooseWorkspace.js';
import { configWorkspaces, openConfigStore } from './openStore.js';
import { systemClock } from './systemClock.js';

interface CommonOptions { readonly data?: string; readonly workspace?: string; readonly json?: boolean }

const iso = (ms: number) => new Date(ms).toISOString();
/** The command line is the operator on the server's machine: trusted like an owner, and how a workspace gets its first owner. */
const operator: UserChanger = { kind: 'operator' };

/** The same AccessService the server uses (createEngine), over the configured store. */
async function withAccess<T>(config: AttuneConfig, workspaceId: string | undefined, work: (access: AccessService, workspace: Workspace) => Promise<T>): Promise<T> {
  const store = openConfigStore(config);
  try {
    const workspace = await chooseWorkspace(store.workspaces, workspaceId);
    const access = new AccessService(store.users, configWorkspaces(store), systemClock, {
      ...defaultAccessSettings, scrypt: { ...owaspScryptCost, N: 2 ** config.passwordCost }, sessionHours: config.sessionHours,
    }, new AuditTrail({ store: store.audit, clock: systemClock }));
    return await work(access, workspace);
  } finally {
    await store.close();
  }
}

function roleOf(value: string): Role {
  if (isRole(value)) return value;
  throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `the role is one of ${roles.join(', ')}, not "${value}"`, field: '--role' });
}

function kindsOf(value: string | undefined): readonly string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((k) => k.trim()).filter((k) => k.length > 0);
}

/** A user by id or by email. */
async function findUser(access: AccessService, workspaceId: string, idOrEmail: string): Promise<UserRecord> {
  const byEmail = (await access.listUsers(workspaceId)).find((u) => u.email === idOrEmail.trim().toLowerCase());
  return byEmail ?? access.getUser(workspaceId, idOrEmail);
}

function userView(u: UserRecord) {
  return { id: u.id, email: u.email, role: u.role, reviewerKinds: u.reviewerKinds, status: u.status, createdAt: iso(u.createdAt) };
}

function userLine(u: UserRecord): string {
  return `${u.id}  ${u.role.padEnd(8)}  ${u.status.padEnd(7)}  ${u.email}${u.reviewerKinds.length === 0 ? '' : `  reviews: ${u.reviewerKinds.join(', ')}`}`;
}

function tokenView(t: PersonalTokenRecord, plain?: string) {
  return { id: t.id, name: t.name, prefix: t.prefix, createdAt: iso(t.createdAt), expiresAt: t.expiresAt === null ? null : iso(t.expiresAt), ...(plain === undefined ? {} : { token: plain }) };
}

function print(json: boolean | undefined, value: unknown, text: string): void {
  process.stdout.write(json === true ? `${JSON.stringify(value)}\n` : `${text}\n`);
}

/**
 * `attune users invite|list|role|remove` and `attune tokens create|list|revoke`: people and
 * their personal API tokens, through AccessService, as the admin API changes them.
 */
export function registerUserCommands(program: Command, configFrom: (options: { data?: string }) => AttuneConfig, dataOption: () => Option): void {
  const users = program.command('users').description('invite people, change their roles, remove them (docs/access.md)');
  const common = (command: Command) => command.addOption(dataOption()).option('--workspace <id>', 'the workspace (needed when there are several)').option('--json', 'print JSON');

  common(users.command('invite <email>'))
    .description('invite a person; prints the invitation token, which they accept with POST /admin/v1/invitations/accept')
    .requiredOption('--role <role>', `one of ${roles.join(', ')}`)
    .option('--reviewer-kinds <kinds>', 'what they sign off as a reviewer, comma-separated (e.g. brand,legal)')
    .action(async (email: string, options: CommonOptions & { role: string; reviewerKinds?: string }) => withAccess(configFrom(options), options.workspace, async (access, workspace) => {
      const reviewerKinds = kindsOf(options.reviewerKinds);
      const invited = await access.invite(workspace.id, operator, { email, role: roleOf(options.role), ...(reviewerKinds === undefined ? {} : { reviewerKinds }) });
      print(options.json, { user: userView(invited.user), invitation: { token: invited.token, expiresAt: iso(invited.expiresAt) } },
        `Invited ${invited.user.email} as ${invited.user.role} to workspace ${workspace.id}: ${invited.user.id}\n  invitation token (shown only now, valid until ${iso(invited.expiresAt)}):\n  ${invited.token}`);
    }));

  common(users.command('list'))
    .description('list the users: id, role, status, email, reviewer kinds')
    .action(async (options: CommonOptions) => withAccess(configFrom(options), options.workspace, async (access, workspace) => {
      const list = await access.listUsers(workspace.id);
      print(options.json, list.map(userView), [`Users of workspace ${workspace.id} (${workspace.name}):`, ...list.map((u) => `  ${userLine(u)}`)].join('\n'));
    }));

  common(users.command('role <user> <role>'))
    .description('change a user\'s role (by id or email); sessions of a user whose role changes end')
    .option('--reviewer-kinds <kinds>', 'replace their reviewer kinds, comma-separated ("" for none)')
    .action(async (user: string, role: string, options: CommonOptions & { reviewerKinds?: string }) => withAccess(configFrom(options), options.workspace, async (access, workspace) => {
      const found = await findUser(access, workspace.id, user);
      const reviewerKinds = kindsOf(options.reviewerKinds);
      const changed = await access.changeUser(workspace.id, operator, found.id, { role: roleOf(role), ...(reviewerKinds === undefined ? {} : { reviewerKinds }) });
      print(options.json, userView(changed), `  ${userLine(changed)}`);
    }));

  common(users.command('remove <user>'))
    .description('remove a user (by id or email) with their tokens and sessions')
    .action(async (user: string, options: CommonOptions) => withAccess(configFrom(options), options.workspace, async (access, workspace) => {
      const removed = await access.removeUser(workspace.id, operator, (await findUser(access, workspace.id, user)).id);
      print(options.json, userView(removed), `Removed ${removed.email} (${removed.id}) from workspace ${workspace.id}.`);
    }));

  const tokens = program.command('tokens').description('personal API tokens of a user (they act with the user\'s role)');
  common(tokens.command('create <user>'))
    .description('create a personal API token for a user (by id or email); printed now only')
    .requiredOption('--name <name>', 'what the token is for')
    .option('--days <days>', 'days until it expires (default 90; 0: never)', '90')
    .action(async (user: string, options: CommonOptions & { name: string; days: string }) => withAccess(configFrom(options), options.workspace, async (access, workspace) => {
      const days = Number(options.days);
      if (!Number.isInteger(days) || days < 0 || days > 3650) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: '--days is a whole number from 0 (never) to 3650', field: '--days' });
      const found = await findUser(access, workspace.id, user);
      const created = await access.createToken(workspace.id, found.id, options.name, days === 0 ? null : days);
      print(options.json, tokenView(created.record, created.plain), `New token ${created.record.id} of ${found.email}:\n  ${created.plain}\nThe token is shown only now; Attune stores its hash.`);
    }));

  common(tokens.command('list <user>'))
    .description('list a user\'s personal tokens (never the tokens themselves)')
    .action(async (user: string, options: CommonOptions) => withAccess(configFrom(options), options.workspace, async (access, workspace) => {
      const found = await findUser(access, workspace.id, user);
      const list = await access.listTokens(workspace.id, found.id);
      print(options.json, list.map((t) => tokenView(t)), [`Tokens of ${found.email}:`, ...list.map((t) => `  ${t.id}  ${t.prefix}...  ${t.name}  ${t.expiresAt === null ? 'no expiry' : `until ${iso(t.expiresAt)}`}`)].join('\n'));
    }));

  common(tokens.command('revoke <user> <tokenId>'))
    .description('revoke a user\'s personal token at once')
    .action(async (user: string, tokenId: string, options: CommonOptions) => withAccess(configFrom(options), options.workspace, async (access, workspace) => {
      const found = await findUser(access, workspace.id, user);
      const revoked = await access.revokeToken(workspace.id, found.id, tokenId);
      print(options.json, tokenView(revoked), `Revoked token ${revoked.id} of ${found.email}.`);
    }));
}
