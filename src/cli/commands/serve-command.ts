import type { CommandContext } from '../lazy.js';
import { lazy } from '../lazy.js';

export function declareServeCommand(context: CommandContext): void {
  context.program
    .command('serve')
    .description(
      'run the registry server (SQLite by default; --database postgres://… for PostgreSQL)',
    )
    .option(
      '--database <url>',
      'sqlite:<file> or postgres://… (default: clearance.db in the data directory, or DATABASE_URL)',
    )
    .option('--data-dir <dir>', 'SQLite file, evidence blobs, signing key (default .clearance)')
    .option('--host <host>', 'interface to listen on (default 127.0.0.1)')
    .option('--port <port>', 'TCP port (default 8080; 0 picks a free one)')
    .option('--config <file>', 'YAML or JSON config file (default CLEARANCE_CONFIG)')
    .action(lazy(context, async () => (await import('./serve-action.js')).serveCommand));
}
