/** The code behind serve-command.ts: opens the registry and serves it until stopped. */
import { hasUsers } from '../../app/index.js';
import { openRegistry, startServer } from '../../compose.js';
import { loadConfig } from '../../config.js';
import { exitCodes } from '../exit-codes.js';
import type { Io } from '../lazy.js';
import { bootstrapHint } from './admin-actions.js';

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

export async function serveCommand(io: Io, o: ServeFlags): Promise<number> {
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
  return exitCodes.ok;
}
