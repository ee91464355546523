/**
 * `--server [url]` and `--token` on commands that also run on the database directly. With
 * `--server`, the command goes through the API as the token's user; alone, `--server` means
 * CLEARANCE_SERVER (or the configured server). Without it, the command opens the database.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { ClearanceError } from '../domain/index.js';
import { type ClearanceClient, createClient } from './http-client.js';

export interface ServerFlags {
  server?: string | true;
  token?: string;
  database?: string;
  dataDir?: string;
}

export interface ServerConnection {
  client: ClearanceClient;
  /** The server's URL, for messages. */
  server: string;
}

export function serverOptions(command: Command): Command {
  return command
    .option(
      '--server [url]',
      'go through this server’s API instead of the database (alone: CLEARANCE_SERVER)',
    )
    .option('--token <token>', 'with --server: API token (default CLEARANCE_TOKEN)');
}

/** The API connection when `--server` was given; undefined for the direct-database form. */
export function serverConnection(o: ServerFlags): ServerConnection | undefined {
  if (o.server === undefined) {
    if (o.token !== undefined) throw exclusive('--token needs --server');
    return undefined;
  }
  if (o.database !== undefined || o.dataDir !== undefined)
    throw exclusive('--server cannot be combined with --database or --data-dir');
  const config = loadConfig({
    flags: { server: o.server === true ? undefined : o.server, token: o.token },
  });
  return {
    client: createClient({ server: config.server, token: config.token }),
    server: config.server,
  };
}

function exclusive(message: string): ClearanceError {
  return new ClearanceError('invalid_input', `${message}.`, {
    problems: [
      {
        message: `${message}.`,
        fix: 'Use --server (and --token) to go through the API, or --database and --data-dir to open the registry directly.',
      },
    ],
  });
}
