import type { Command } from 'commander';
import { hasUsers } from '../../app/index.js';
import { openRegistry, startServer } from '../../compose.js';
import { loadConfig } from '../../config.js';
import { exitCodes } from '../exit-codes.js';
import { bootstrapHint } from './admin-commands.js';

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

interface ServeFlags {
  database?: string;
  dataDir?: string;
  host?: string;
  port?: string;
  config?: string;
}

function engineOf(database: string): string {
  return database.startsWith('sqlite:')
    ? `SQLite ${database.slice('sqlite:'.length)}`
    : 'PostgreSQL';
}

/** Resolves when the process is asked to stop (SIGINT or SIGTERM). */
function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => resolve(signal);
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

export function registerServeCommand(
  program: Command,
  io: Io,
  setExit: (code: number) => void,
): void {
  program
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
    .action(async (o: ServeFlags) => {
      const config = loadConfig({
        flags: { database: o.database, dataDir: o.dataDir, host: o.host, port: o.port },
        ...(o.config ? { file: o.config } : {}),
      });
      const registry = await openRegistry(config);
      const logger = config.logLevel === 'silent' ? false : { level: config.logLevel };
      const server = await startServer(registry, { logger });
      io.stdout.write(
        `Clearance listening on ${server.url} (${engineOf(config.database)})\n` +
          `Audit log verifier key: ${registry.verifierKey}\n`,
      );
      if (!(await hasUsers(registry.deps))) io.stdout.write(bootstrapHint);
      const signal = await untilStopped();
      io.stdout.write(`${signal}: draining requests and closing the database…\n`);
      await server.close();
      setExit(exitCodes.ok);
    });
}
