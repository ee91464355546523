/**
 * The one place a command's registry is chosen from its flags: `--server [url]` (alone:
 * CLEARANCE_SERVER or the configured server) goes through the API as the token's user;
 * `--database` / `--data-dir` open the registry directly as the operator. With neither, the
 * command's own default: the server for the client commands, the database for operator commands.
 * Both implementations are imported on use, so a command pays only for the one it takes.
 */
import type { Command } from 'commander';
import type { ClearanceError } from '../../domain/index.js';
import type { CliRegistry } from './cli-registry.js';

export interface RegistryFlags {
  server?: string | true;
  token?: string;
  database?: string;
  dataDir?: string;
}

/** Where a command goes when neither `--server` nor `--database` / `--data-dir` is given. */
export type RegistryDefault = 'server' | 'database';

/** Adds `--server [url]`, `--token`, `--database` and `--data-dir`, described for `byDefault`. */
export function registryOptions(command: Command, byDefault: RegistryDefault): Command {
  const server =
    byDefault === 'server'
      ? 'Clearance server (default CLEARANCE_SERVER or http://127.0.0.1:8080)'
      : 'go through this server’s API instead of the database (alone: CLEARANCE_SERVER)';
  const database =
    byDefault === 'server'
      ? 'open this database directly as the operator instead (sqlite:<file> or postgres:// URL)'
      : 'sqlite:<file> or postgres:// URL (default: from config)';
  return command
    .option('--server [url]', server)
    .option('--token <token>', 'with --server: API token (default CLEARANCE_TOKEN)')
    .option('--database <url>', database)
    .option('--data-dir <dir>', 'data directory holding the blobs and audit signing key');
}

/**
 * Only `--server [url]` and `--token`: for the client commands, which act for a person. A request,
 * a sign-off, a promotion or a rollback must be recorded as the person's, so these commands never
 * open the database as the operator (ask an operator for `--database` work instead).
 */
export function personalRegistryOptions(command: Command): Command {
  return command
    .option(
      '--server [url]',
      'Clearance server (default CLEARANCE_SERVER or http://127.0.0.1:8080)',
    )
    .option('--token <token>', 'API token (default CLEARANCE_TOKEN)');
}

async function invalid(message: string): Promise<ClearanceError> {
  const { ClearanceError } = await import('../../domain/index.js');
  return new ClearanceError('invalid_input', `${message}.`, {
    problems: [
      {
        message: `${message}.`,
        fix: 'Use --server (and --token) to go through the API, or --database and --data-dir to open the registry directly.',
      },
    ],
  });
}

/** Which implementation the flags ask for; refuses flags that contradict each other. */
export async function reachOf(
  flags: RegistryFlags,
  byDefault: RegistryDefault,
): Promise<RegistryDefault> {
  const direct = flags.database !== undefined || flags.dataDir !== undefined;
  if (flags.server !== undefined) {
    if (direct) throw await invalid('--server cannot be combined with --database or --data-dir');
    return 'server';
  }
  if (direct) {
    if (flags.token !== undefined) throw await invalid('--token needs --server');
    return 'database';
  }
  if (byDefault === 'database' && flags.token !== undefined)
    throw await invalid('--token needs --server');
  return byDefault;
}

async function openCliRegistry(
  flags: RegistryFlags,
  byDefault: RegistryDefault,
): Promise<CliRegistry> {
  if ((await reachOf(flags, byDefault)) === 'database') {
    const { openLocalRegistry } = await import('./local-registry.js');
    return openLocalRegistry(flags);
  }
  const [{ loadConfig }, { createRemoteRegistry }] = await Promise.all([
    import('../../config.js'),
    import('./remote-registry.js'),
  ]);
  const server = flags.server === true ? undefined : flags.server;
  const config = loadConfig({ flags: { server, token: flags.token } });
  return createRemoteRegistry({ server: config.server, token: config.token });
}

/** Runs `work` on the registry the flags choose, and closes it. */
export async function withCliRegistry<T>(
  flags: RegistryFlags,
  byDefault: RegistryDefault,
  work: (registry: CliRegistry) => Promise<T>,
): Promise<T> {
  const registry = await openCliRegistry(flags, byDefault);
  try {
    return await work(registry);
  } finally {
    await registry.close();
  }
}
