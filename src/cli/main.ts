import { Command, Option } from 'commander';
import { ConfigError, defaultConfig, loadConfig, type AttuneConfig } from '../config/config.js';
import { isAttuneError } from '../core/errors/AttuneError.js';
import { importEventsCommand, importTraitsCommand } from './importCommands.js';
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
    throw error;
  }
}
