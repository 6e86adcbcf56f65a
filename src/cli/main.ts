import { Command, Option } from 'commander';
import { ConfigError, defaultConfig, loadConfig, type AttuneConfig } from '../config/config.js';
import { isAttuneError } from '../core/errors/AttuneError.js';
import { loadDefinitionsCommand } from './definitionCommands.js';
import { importEventsCommand, importTraitsCommand } from './importCommands.js';
import { rebuildCommand } from './rebuildCommand.js';
import { serveCommand } from './serveCommand.js';
import { createWorkspaceCommand, listWorkspacesCommand } from './workspaceCommands.js';

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

/** The `attune` command line. Each command is a thin call into the shell modules. */
export function buildProgram(): Command {
  const program = new Command('attune').description('Attune: real-time personalization engine').showHelpAfterError();

  program.command('serve')
    .description('run the server on the embedded store')
    .option('--host <host>', `address to listen on (env ATTUNE_HOST, default ${defaultConfig.host})`)
    .option('--port <port>', `port (env ATTUNE_PORT, default ${defaultConfig.port})`)
    .addOption(dataOption())
    .action(async (options: { host?: string; port?: string; data?: string }) => serveCommand(configFrom(options)));

  const workspace = program.command('workspace').description('manage workspaces');
  workspace.command('create <name>')
    .description('create a workspace and print its write and secret keys')
    .addOption(dataOption())
    .option('--json', 'print {"id","writeKey","secretKey"} as JSON')
    .action(async (name: string, options: { data?: string; json?: boolean }) => createWorkspaceCommand(configFrom(options), name, options.json === true));
  workspace.command('list')
    .description('list workspaces')
    .addOption(dataOption())
    .option('--json', 'print JSON')
    .action(async (options: { data?: string; json?: boolean }) => listWorkspacesCommand(configFrom(options), options.json === true));

  const importCommand = program.command('import').description('import events or traits from files');
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

  program.command('rebuild')
    .description('recompute profiles, identities, merges, features, segments and consent from the event log. '
      + 'Stop the server first: the rebuild holds the database file alone, and refuses to start while another process has it open')
    .addOption(dataOption())
    .option('--workspace <id>', 'rebuild one workspace (default: every workspace)')
    .option('--json', 'print the summary as JSON')
    .action(async (options: { data?: string; workspace?: string; json?: boolean }) => {
      process.exitCode = await rebuildCommand(configFrom(options), { ...options, json: options.json === true });
    });

  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (error) {
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
