/**
 * The `clearance` command. Every command is declared here or in a `*-commands.ts` module that
 * imports only commander; each action loads its code when it runs (lazy.ts).
 */
import { Command, CommanderError } from 'commander';
import { declareAdminCommands } from './commands/admin-commands.js';
import { declareAuditCommands } from './commands/audit-commands.js';
import { declareBlobCommands } from './commands/blob-commands.js';
import { declareClientCommands } from './commands/client-commands.js';
import { declareImportCommands } from './commands/import-commands.js';
import { declareLocalCommands } from './commands/local-commands.js';
import { declareNotifyCommands } from './commands/notify-commands.js';
import { declarePackAndBacktestCommands } from './commands/pack-and-backtest-commands.js';
import { declareReadCommands } from './commands/read-commands.js';
import { declareServeCommand } from './commands/serve-command.js';
import { exitCodes } from './exit-codes.js';
import type { Io } from './lazy.js';
import { versionLine } from './version.js';

function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('clearance')
    .description('Release governance for ML model registries: policy-as-code gates and sign-offs.')
    .version(versionLine())
    .option('--debug', 'print stack traces of errors (also CLEARANCE_DEBUG=1)')
    .showHelpAfterError("(run 'clearance help <command>' for its options)")
    // `request MODEL VERSION --to …` has subcommands (`request show ID`) with options of the
    // same names: each command's options are read where they stand.
    .enablePositionalOptions()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride();
  const context = { program, io, setExit };
  declareLocalCommands(context);
  declareAuditCommands(context);
  declareClientCommands(context);
  declareReadCommands(context);
  declareServeCommand(context);
  declareAdminCommands(context);
  declareBlobCommands(context);
  declarePackAndBacktestCommands(context);
  declareNotifyCommands(context);
  declareImportCommands(context);
  return program;
}

/** Runs the CLI and returns its exit code; never calls process.exit, so tests can drive it. */
export async function main(argv: string[], io: Io = process): Promise<number> {
  let exit: number = exitCodes.ok;
  const program = buildProgram(io, (code) => {
    exit = code;
  });
  // `--debug` may stand anywhere (`clearance eval … --debug`): with positional options commander
  // would read it only before the command, so it is taken out here (up to a `--`).
  const end = argv.indexOf('--') < 0 ? argv.length : argv.indexOf('--');
  const debugFlag = argv.slice(2, end).includes('--debug');
  const args = argv.filter((arg, i) => i < 2 || i >= end || arg !== '--debug');
  try {
    await program.parseAsync(args);
    return exit;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; anything else commander rejects is a usage error.
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.badInput;
    }
    const { reportError } = await import('./report-error.js');
    // Loaded only here: the configuration's schema is not needed by a command that succeeds early.
    const { debugRequested } = await import('../config.js');
    const debug = debugFlag || debugRequested();
    return reportError(error, io.stderr, debug);
  }
}
