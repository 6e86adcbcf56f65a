import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, defaultConfig, loadConfig, type AttuneConfig } from '../config/config.js';
import { isAttuneError } from '../core/errors/AttuneError.js';
import { runAs, runAsSystem } from '../audit/callerContext.js';
import { cliCaller } from './cliCaller.js';
import { consentCommand } from './consentCommands.js';
import { loadDefinitionsCommand } from './definitionCommands.js';
import { importEventsCommand, importItemsCommand, importTraitsCommand } from './importCommands.js';
import { rebuildCommand } from './rebuildCommand.js';
import { retentionPurgeCommand } from './retentionCommands.js';
import { serveCommand } from './serveCommand.js';
import { demoCommand } from './demoCommand.js';
import { reportCommand } from './reportCommand.js';
import { addEvalClvCommand } from './evalClvCommand.js';
import { addEvalPolicyCommand } from './evalPolicyCommand.js';
import { addEvalPropensityCommand } from './evalPropensityCommand.js';
import { addEvalRulesCommand } from './evalRulesCommand.js';
import { addEvalClusterCommand } from './evalClusterCommand.js';
import { createWorkspaceCommand, listWorkspacesCommand } from './workspaceCommands.js';
import { identityCommand, type IdentityAction } from './identityCommands.js';
import { privacyCommand, type PrivacyCommandAction } from './privacyCommands.js';
import { createKeyCommand, listKeysCommand, revokeKeyCommand } from './keyCommands.js';
import { auditExportCommand, auditListCommand, auditVerifyCommand, type AuditListOptions } from './auditCommands.js';
import { numberOption } from './numberOption.js';
import { addEvalCalibrationCommand } from './evalCalibrationCommand.js';
import { recommendSubcommand, registerEvalCommands } from './evalCommands.js';
import { registerTrainCommands } from './trainCommands.js';
import { registerUserCommands } from './userCommands.js';
import { registerQualityCommands } from './qualityCommands.js';
import { registerDraftCommands } from './draftCommands.js';

type Flags = Partial<Record<keyof AttuneConfig, string>>;

function dataOption(): Option {
  return new Option('--data <dir>', `data folder (env ATTUNE_DATA, default ${defaultConfig.dataDir})`);
}

function configFrom(options: { data?: string; host?: string; port?: string }): AttuneConfig {
  const flags: Flags = {};
  if (options.data !== undefined) flags.dataDir = options.data;
  if (options.host !== undefined) flags.host = options.host;
  if (options.port !== undefined) flags.port = options.port;
  return loadConfig(flags);
}

/** The package's version, read from package.json beside src/ and dist/ alike. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** The `attune` command line. Each command is a thin call into the shell modules. */
export function buildProgram(): Command {
  // exitOverride: commander's usage errors are thrown to main(), which exits 2 (the README's promise), not 1.
  const program = new Command('attune').description('Attune: real-time personalization engine').showHelpAfterError().exitOverride()
    .version(packageVersion(), '-V, --version', 'print the version');

  program.command('serve')
    .description('run the server on the embedded store')
    .option('--host <host>', `address to listen on (env ATTUNE_HOST, default ${defaultConfig.host})`)
    .option('--port <port>', `port (env ATTUNE_PORT, default ${defaultConfig.port})`)
    .addOption(dataOption())
    .action(async (options: { host?: string; port?: string; data?: string }) => {
      // The server's requests name their own callers; what it does of itself is the system's.
      await runAsSystem(() => serveCommand(configFrom(options)));
    });

  const workspace = program.command('workspace').description('manage workspaces');
  workspace.command('create <name>')
    .description('create a workspace and print its write and secret keys')
    .addOption(dataOption())
    .option('--json', 'print {"id","writeKey","secretKey","identitySecret"} as JSON')
    .action(async (name: string, options: { data?: string; json?: boolean }) => createWorkspaceCommand(configFrom(options), name, options.json === true));
  workspace.command('list')
    .description('list workspaces')
    .addOption(dataOption())
    .option('--json', 'print JSON')
    .action(async (options: { data?: string; json?: boolean }) => listWorkspacesCommand(configFrom(options), options.json === true));

  const identity = program.command('identity').description('identity verification: user ids signed by your backend (userHash)');
  const identityActions: [IdentityAction, string][] = [
    ['show', 'whether verification is on, and when the secret was made (never the secret)'],
    ['enable', 'require a userHash with user ids sent with the write key (prints a new secret if the workspace has none)'],
    ['disable', 'take user ids sent with the write key as given'],
    ['rotate-secret', 'make a new identity secret and print it once; hashes made with the old one stop matching'],
  ];
  for (const [action, description] of identityActions) {
    identity.command(action)
      .description(description)
      .addOption(dataOption())
      .option('--workspace <id>', 'the workspace (needed when there are several)')
      .option('--json', 'print JSON')
      .action(async (options: { data?: string; workspace?: string; json?: boolean }) => identityCommand(configFrom(options), action, {
        ...(options.workspace === undefined ? {} : { workspace: options.workspace }), json: options.json === true,
      }));
  }
  const privacy = program.command('privacy').description('data-subject rights for one person (exactly one of --user-id, --anonymous-id, --profile-id); prints JSON');
  const privacyActions: [PrivacyCommandAction, string][] = [
    ['export', 'print everything held about the person as one JSON document'],
    ['erase', 'erase the person everywhere, suppress their identifiers, and print the receipt (hashes only) with its verification'],
    ['suppress', 'drop (and count) later events naming the person\'s identifiers'],
    ['unsuppress', 'collect events naming the identifier again'],
  ];
  for (const [action, description] of privacyActions) {
    privacy.command(action)
      .description(description)
      .addOption(dataOption())
      .option('--workspace <id>', 'the workspace (needed when there are several)')
      .option('--user-id <id>', 'the person\'s user id')
      .option('--anonymous-id <id>', 'one of the person\'s anonymous ids')
      .option('--profile-id <id>', 'the person\'s profile id')
      .action(async (options: { data?: string; workspace?: string; userId?: string; anonymousId?: string; profileId?: string }) => {
        const { data: _data, ...rest } = options;
        await privacyCommand(configFrom(options), action, rest);
      });
  }
  program.command('retention').description('apply the workspaces\' retention policies (docs/retention.md)')
    .command('purge')
    .description('remove what the retention policy no longer keeps (events, decision records, audit entries) and print a report per workspace as JSON')
    .addOption(dataOption())
    .option('--workspace <id>', 'one workspace (default: every workspace)')
    .option('--dry-run', 'report what would be removed and change nothing')
    .action(async (options: { data?: string; workspace?: string; dryRun?: boolean }) => retentionPurgeCommand(configFrom(options), {
      ...(options.workspace === undefined ? {} : { workspace: options.workspace }), dryRun: options.dryRun === true,
    }));
  const keys = program.command('keys').description('list, create and revoke the API keys of a workspace (when its keys are lost)');
  keys.command('list')
    .description('list the keys: id, kind, prefix, created, revoked (never the keys themselves)')
    .addOption(dataOption())
    .option('--workspace <id>', 'the workspace (needed when there are several)')
    .option('--json', 'print JSON')
    .action(async (options: { data?: string; workspace?: string; json?: boolean }) => listKeysCommand(configFrom(options), { ...options, json: options.json === true }));
  keys.command('create <kind>')
    .description('create a "write" (collect) or "secret" (administer) key; it is printed now only')
    .addOption(dataOption())
    .option('--workspace <id>', 'the workspace (needed when there are several)')
    .option('--json', 'print the key and its record as JSON')
    .option('--scope <scope>', 'for a secret key: full (default: every machine right), read, or decide (docs/access.md)')
    .action(async (kind: string, options: { data?: string; workspace?: string; json?: boolean; scope?: string }) => createKeyCommand(configFrom(options), kind, { ...options, json: options.json === true }));
  keys.command('revoke <keyId>')
    .description('revoke a key at once (its id, key_..., from attune keys list)')
    .addOption(dataOption())
    .option('--workspace <id>', 'the workspace (needed when there are several)')
    .option('--json', 'print the revoked key\'s record as JSON')
    .action(async (keyId: string, options: { data?: string; workspace?: string; json?: boolean }) => revokeKeyCommand(configFrom(options), keyId, { ...options, json: options.json === true }));

  const audit = program.command('audit').description('the audit trail of a workspace: who changed what, from where, with the diff');
  audit.command('list')
    .description('entries in order, filtered (runs beside a server)')
    .addOption(dataOption())
    .option('--workspace <id>', 'the workspace (needed when there are several)')
    .option('--action <action>', 'one action (segment.updated) or a prefix ending in a dot (segment.)')
    .option('--actor-kind <kind>', 'user, key, cli or system')
    .option('--actor <id>', 'the actor\'s id (a key id, an operating-system user)')
    .option('--target-kind <kind>', 'segment, action, experiment, key, profile, ...')
    .option('--target <id>', 'the target\'s id')
    .option('--since <time>', 'entries at or after this ISO 8601 time')
    .option('--until <time>', 'entries before this ISO 8601 time')
    .option('--after <seq>', 'entries after this position (the cursor)')
    .option('--limit <n>', 'at most this many entries (default 100)')
    .option('--json', 'print the entries as a JSON array')
    .action(async (options: AuditListOptions & { data?: string; json?: boolean }) => auditListCommand(configFrom(options), { ...options, json: options.json === true }));
  audit.command('export')
    .description('the whole chain as JSON lines, one stored entry per line, verifiable alone')
    .addOption(dataOption())
    .option('--workspace <id>', 'the workspace (needed when there are several)')
    .option('--out <file>', 'write to this file (default: stdout)')
    .action(async (options: { data?: string; workspace?: string; out?: string }) => auditExportCommand(configFrom(options), options));
  audit.command('verify')
    .description('check every hash, link and number of the chain (exit code 1 when it is broken)')
    .addOption(dataOption())
    .option('--workspace <id>', 'the workspace (needed when there are several)')
    .option('--file <export>', 'verify an exported file instead of the store')
    .option('--anchor <seq:hash>', 'a position and hash kept from earlier: the chain must still hold it (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--json', 'print the verdict as JSON')
    .action(async (options: { data?: string; workspace?: string; file?: string; anchor?: string[]; json?: boolean }) => auditVerifyCommand(configFrom(options), { ...options, json: options.json === true }));

  const importCommand = program.command('import').description('import events, traits or catalog items from files');
  importCommand.command('events <file>')
    .description('import a JSONL file of Segment calls (one per line, each with its type)')
    .addOption(dataOption())
    .option('--workspace <id>', 'workspace to import into (needed when there are several)')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, options: { data?: string; workspace?: string; json?: boolean }) => {
      process.exitCode = await importEventsCommand(configFrom(options), file, { ...options, json: options.json === true });
    });
  importCommand.command('traits <file>')
    .description('import CRM traits from a CSV file with a header row')
    .requiredOption('--id-column <column>', 'column holding the user id')
    .addOption(dataOption())
    .option('--workspace <id>', 'workspace to import into (needed when there are several)')
    .option('--timestamp <iso>', 'when the traits were true (default: the file\'s modification time); later identify calls win')
    .option('--raw', 'keep every cell a string (default: numbers and true/false are read as such)')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, options: { data?: string; workspace?: string; json?: boolean; idColumn: string; timestamp?: string; raw?: boolean }) => {
      process.exitCode = await importTraitsCommand(configFrom(options), file, { ...options, json: options.json === true, raw: options.raw === true });
    });

  importCommand.command('items <file>')
    .description('import catalog items from a CSV file with a header row (id,title,category,price,currency,availability,created_at,title.<locale>,attr.<name>) '
      + 'or a JSONL file (one item per line); each item is created or replaced whole; rejected rows are listed by line')
    .addOption(dataOption())
    .option('--workspace <id>', 'workspace to import into (needed when there are several)')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, options: { data?: string; workspace?: string; json?: boolean }) => {
      process.exitCode = await importItemsCommand(configFrom(options), file, { ...options, json: options.json === true });
    });

  for (const kind of ['features', 'segments'] as const) {
    const group = program.command(kind).description(kind === 'features' ? 'manage feature definitions' : 'manage segment definitions');
    group.command('load <file>')
      .description(`add or update ${kind} from a JSON or YAML file (a list, or an object with a "${kind}" list); `
        + 'everything is checked before anything is saved. Loading does not backfill: run attune rebuild for that')
      .addOption(dataOption())
      .option('--workspace <id>', 'workspace to load into (needed when there are several)')
      .option('--replace', `also delete the stored ${kind} that the file does not hold`)
      .option('--json', 'print what was created, updated, unchanged and deleted as JSON')
      .action(async (file: string, options: { data?: string; workspace?: string; replace?: boolean; json?: boolean }) => {
        process.exitCode = await loadDefinitionsCommand(configFrom(options), kind, file, { ...options, replace: options.replace === true, json: options.json === true });
      });
  }

  const consent = program.command('consent').description('the workspace\'s consent defaults: which purposes are opt-in (docs/consent.md)');
  const collectList = (value: string, previous: string[]) => [...previous, value];
  consent.command('show')
    .description('the consent defaults in force')
    .addOption(dataOption())
    .option('--workspace <id>', 'the workspace (needed when there are several)')
    .option('--json', 'print JSON')
    .action(async (options: { data?: string; workspace?: string; json?: boolean }) => consentCommand(configFrom(options), 'show', {
      ...(options.workspace === undefined ? {} : { workspace: options.workspace }), json: options.json === true,
    }));
  consent.command('set')
    .description('replace the consent defaults: the purposes named opt-in or opt-out, the others built in (granted); every profile is evaluated again')
    .addOption(dataOption())
    .option('--workspace <id>', 'the workspace (needed when there are several)')
    .option('--opt-in <purpose>', 'refused until the person grants it (repeatable)', collectList, [])
    .option('--opt-out <purpose>', 'granted until the person refuses it (repeatable)', collectList, [])
    .option('--json', 'print JSON')
    .action(async (options: { data?: string; workspace?: string; json?: boolean; optIn: string[]; optOut: string[] }) => consentCommand(configFrom(options), 'set', {
      ...(options.workspace === undefined ? {} : { workspace: options.workspace }), json: options.json === true, optIn: options.optIn, optOut: options.optOut,
    }));

  program.command('rebuild')
    .description('recompute profiles, identities, merges, features, segments and consent from the event log. '
      + 'Stop the server first: the rebuild holds the database file alone, and refuses to start while another process has it open')
    .addOption(dataOption())
    .option('--workspace <id>', 'rebuild one workspace (default: every workspace)')
    .option('--json', 'print the summary as JSON')
    .action(async (options: { data?: string; workspace?: string; json?: boolean }) => {
      process.exitCode = await rebuildCommand(configFrom(options), { ...options, json: options.json === true });
    });

  const report = program.command('report')
    .description('the ROI report: the program (holdout against everyone else) and every experiment, with uplift, intervals, incremental revenue and ROI')
    .addOption(dataOption())
    .option('--workspace <id>', 'workspace to report on (needed when there are several)')
    .option('--experiment <id>', 'only this experiment')
    .option('--monthly-cost <amount>', 'the monthly cost of personalization (default: the workspace\'s measurement setting)')
    .option('--alpha <alpha>', 'significance level (default 0.05)')
    .option('--sequential', 'add always-valid intervals (safe to read before the planned end)')
    .option('--json', 'print the report as JSON')
    .action(async (options: { data?: string; workspace?: string; experiment?: string; monthlyCost?: string; alpha?: string; sequential?: boolean; json?: boolean }) => {
      process.exitCode = await reportCommand(configFrom(options), {
        json: options.json === true,
        ...(options.workspace === undefined ? {} : { workspace: options.workspace }),
        ...(options.experiment === undefined ? {} : { experimentId: options.experiment }),
        ...(options.monthlyCost === undefined ? {} : { monthlyCost: numberOption('--monthly-cost', options.monthlyCost, 0, Infinity) }),
        ...(options.alpha === undefined ? {} : { alpha: numberOption('--alpha', options.alpha, 1e-6, 0.5) }),
        ...(options.sequential === true ? { sequential: true } : {}),
      });
    });

  registerQualityCommands(program, report, configFrom, dataOption);
  registerDraftCommands(program, configFrom, dataOption);
  registerTrainCommands(program, configFrom, dataOption);
  registerUserCommands(program, configFrom, dataOption);

  // The `eval` group; `attune eval recommend` joins it from evalCommands.ts.

  program.command('demo')
    .description('run a simulated shop on a fresh embedded store: a personalized-against-generic experiment and the holdout, '
      + 'then print the ROI report beside the simulation\'s true uplift and serve the store to explore')
    .option('--days <n>', 'simulated days', '28')
    .option('--seed <n>', 'the simulation\'s seed (the same seed gives the same report)', '7')
    .option('--customers <n>', 'simulated customers', '2000')
    .option('--monthly-cost <amount>', 'what personalization costs per month, for ROI', '2000')
    .option('--holdout <share>', 'share of customers in the holdout', '0.05')
    .option('--no-serve', 'exit after the report')
    .option('--json', 'print the report as JSON')
    .option('--data <dir>', 'an empty folder for the demo\'s store (default: a new temporary folder)')
    .option('--host <host>', `address to serve on (default ${defaultConfig.host})`)
    .option('--port <port>', `port to serve on (default ${defaultConfig.port})`)
    .action(async (options: { days: string; seed: string; customers: string; monthlyCost: string; holdout: string; serve: boolean; json?: boolean; data?: string; host?: string; port?: string }) => {
      process.exitCode = await demoCommand(configFrom(options), {
        days: numberOption('--days', options.days, 1, 30, true),
        seed: numberOption('--seed', options.seed, 0, 2 ** 32 - 1, true),
        customers: numberOption('--customers', options.customers, 50, 100_000, true),
        monthlyCost: numberOption('--monthly-cost', options.monthlyCost, 0, Infinity),
        holdoutShare: numberOption('--holdout', options.holdout, 0, 0.5),
        serve: options.serve,
        json: options.json === true,
        dataGiven: options.data !== undefined,
      });
    });

  registerEvalCommands(program, [recommendSubcommand, addEvalRulesCommand, addEvalPropensityCommand, addEvalClvCommand, addEvalPolicyCommand, addEvalClusterCommand, addEvalCalibrationCommand]);

  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  try {
    // Every change a command makes is recorded as the operating-system user's (kind `cli`).
    await runAs(cliCaller(), () => buildProgram().parseAsync([...argv]));
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message (and the help); --help and --version end with 0.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (error instanceof ConfigError || isAttuneError(error)) {
      process.stderr.write(`attune: ${isAttuneError(error) ? `${error.code}: ` : ''}${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    if (error instanceof Error && (error as Error & { code?: unknown }).code === 'SQLITE_BUSY') {
      // Another process holds the database file alone: a rebuild (see attune rebuild).
      process.stderr.write('attune: ATTUNE_STORE_UNAVAILABLE: the database file is locked by another process (a running attune rebuild?); try again when it ends\n');
      process.exitCode = 2;
      return;
    }
    throw error;
  }
}
