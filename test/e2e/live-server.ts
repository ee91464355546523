/** Starts the built `clearance serve` as a child process on a fresh database, as an operator would. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runCli } from '../cli/run-cli.js';
import { createClient } from './http-client.js';

export interface LiveServer {
  url: string;
  adminToken: string;
  database: string;
  dataDir: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const bin = join(repoRoot, 'bin', 'clearance.js');

/** Bootstraps the first admin directly on the database, then serves it on a free port. */
export async function startLiveServer(
  database?: string,
  env: Record<string, string> = {},
): Promise<LiveServer> {
  const dir = mkdtempSync(join(tmpdir(), 'clearance-live-'));
  const db = database ?? `sqlite:${join(dir, 'registry.db')}`;
  const dataDir = join(dir, 'data');
  const adminToken = await bootstrapLiveAdmin({ database: db, dataDir });
  return serveLive({ database: db, dataDir, adminToken, env });
}

/** `clearance admin bootstrap` on a database (in this process); returns the first admin's token. */
export async function bootstrapLiveAdmin(input: {
  database: string;
  dataDir: string;
}): Promise<string> {
  const boot = await runCli([
    'admin',
    'bootstrap',
    '--user',
    'alice.admin',
    '--database',
    input.database,
    '--data-dir',
    input.dataDir,
    '--format',
    'json',
  ]);
  if (boot.status !== 0) throw new Error(`bootstrap failed: ${boot.stderr}`);
  return (JSON.parse(boot.stdout) as { token: string }).token;
}

/**
 * Starts `clearance serve` on an existing (bootstrapped) database and data directory. Several may
 * serve one PostgreSQL database, or one after another the same SQLite file.
 */
export async function serveLive(input: {
  database: string;
  dataDir: string;
  adminToken: string;
  /** More environment for the server (configuration keys as CLEARANCE_… variables). */
  env?: Record<string, string>;
}): Promise<LiveServer> {
  const child = spawn(
    process.execPath,
    [bin, 'serve', '--database', input.database, '--data-dir', input.dataDir, '--port', '0'],
    {
      env: { ...process.env, CLEARANCE_LOG_LEVEL: 'silent', ...input.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  return {
    url,
    adminToken: input.adminToken,
    database: input.database,
    dataDir: input.dataDir,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Creates a user holding the given global roles and returns an API token for them. */
export async function personTokenOn(server: LiveServer, id: string, roles: string[]) {
  const admin = createClient({ server: server.url, token: server.adminToken });
  await admin.call('POST', '/api/v1/users', { json: { id } });
  for (const role of roles)
    await admin.call('POST', `/api/v1/users/${id}/roles`, { json: { role } });
  const { token } = await admin.call<{ token: string }>('POST', '/api/v1/tokens', {
    json: { userId: id },
  });
  return token;
}

/** Creates a user holding the given global roles and returns an API client acting as them. */
export async function personOn(server: LiveServer, id: string, roles: string[]) {
  return createClient({ server: server.url, token: await personTokenOn(server, id, roles) });
}
