import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliRegistry } from '../../src/cli/registry/cli-registry.js';
import { openLocalRegistry } from '../../src/cli/registry/local-registry.js';
import { createRemoteRegistry } from '../../src/cli/registry/remote-registry.js';
import { reachOf } from '../../src/cli/registry/select-registry.js';
import { isClearanceError } from '../../src/domain/index.js';
import { type LiveServer, startLiveServer } from '../e2e/live-server.js';
import { repoRoot, runCli } from './run-cli.js';

async function refusalOf(work: Promise<unknown>) {
  try {
    await work;
  } catch (error) {
    if (isClearanceError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('reaching the registry from the flags', () => {
  it('goes to the command’s default unless a flag names the other way', async () => {
    expect(await reachOf({}, 'server')).toBe('server');
    expect(await reachOf({}, 'database')).toBe('database');
    expect(await reachOf({ database: 'sqlite:x.db' }, 'server')).toBe('database');
    expect(await reachOf({ server: true }, 'database')).toBe('server');
    expect(await reachOf({ token: 't' }, 'server')).toBe('server');
  });

  it('never opens the database for a command that acts for a person', async () => {
    // A request, a sign-off, a promotion or a rollback is recorded as the token's user; the
    // operator principal of `--database` must not be able to take them.
    for (const args of [
      ['request', 'm', '1.0', '--to', 'staging', '--reason', 'r'],
      ['approve', 'req-1', '--role', 'admin', '--comment', 'ok', '--risk', 'low'],
      ['promote', 'req-1'],
      ['rollback', 'm', '--reason', 'r'],
      [
        'version',
        'register',
        'm',
        '1.0',
        '--artifact-uri',
        's3://x',
        '--artifact-digest',
        'sha256:0',
      ],
    ]) {
      const run = await runCli([...args, '--database', 'sqlite:/nonexistent/clearance.db']);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toContain("unknown option '--database'");
    }
  });

  it('refuses flags that contradict each other', async () => {
    const both = reachOf({ server: 'http://x', dataDir: 'd' }, 'database');
    expect((await refusalOf(both)).code).toBe('invalid_input');
    const token = reachOf({ token: 't' }, 'database');
    expect((await refusalOf(token)).message).toContain('--token needs --server');
  });
});

describe('the local and remote registries', () => {
  let server: LiveServer;
  let remote: CliRegistry;
  let local: CliRegistry;

  beforeAll(async () => {
    server = await startLiveServer();
    remote = createRemoteRegistry({ server: server.url, token: server.adminToken });
    local = await openLocalRegistry({ database: server.database, dataDir: server.dataDir });
  }, 60_000);

  afterAll(async () => {
    await local?.close();
    await server?.stop();
  });

  it('see the same registry: a model registered through the API, its history on the database', async () => {
    const policyText = readFileSync(join(repoRoot, 'examples/credit-risk/policy.yaml'), 'utf8');
    const created = await remote.registerModel({
      name: 'registry-twin',
      ownerTeam: 'risk',
      policy: policyText,
    });
    expect(created.createdBy).toBe('alice.admin');
    expect((await local.listModels()).map((m) => m.name)).toEqual(
      (await remote.listModels()).map((m) => m.name),
    );
    expect(await local.history({ model: 'registry-twin' })).toEqual(
      await remote.history({ model: 'registry-twin' }),
    );
    expect(local.server).toBeUndefined();
    expect(remote.server).toBe(server.url);
  });

  it('disable and enable a user alike, one through the API, the other on the database', async () => {
    await remote.createUser({ id: 'dora.departed' });
    const disabled = await remote.setUserDisabled({ userId: 'dora.departed', disabled: true });
    expect(disabled.disabledAt).toBeTypeOf('string');
    const again = await local.setUserDisabled({ userId: 'dora.departed', disabled: true });
    expect(again.disabledAt).toBe(disabled.disabledAt);
    const enabled = await local.setUserDisabled({ userId: 'dora.departed', disabled: false });
    expect(enabled.disabledAt).toBeUndefined();
    expect(await remote.setUserDisabled({ userId: 'dora.departed', disabled: false })).toEqual(
      enabled,
    );
    const unknown = await refusalOf(remote.setUserDisabled({ userId: 'nobody', disabled: true }));
    expect(unknown.code).toBe('not_found');
  });

  it('answer repeated role and token changes alike, and keep the last admin either way', async () => {
    await remote.createUser({ id: 'rex.repeat' });
    const role = { userId: 'rex.repeat', role: 'auditor' };
    for (const registry of [remote, local, remote, local]) {
      await registry.changeRole({ change: 'grant', ...role });
    }
    for (const registry of [local, remote, local]) {
      await registry.changeRole({ change: 'revoke', ...role });
    }
    const token = await local.createToken({ userId: 'rex.repeat' });
    const revoked = await remote.revokeToken(token.id);
    expect(await local.revokeToken(token.id)).toEqual(revoked);
    expect(await remote.revokeToken(token.id)).toEqual(revoked);

    // alice.admin is the only global admin of the live server.
    const admin = { change: 'revoke' as const, userId: 'alice.admin', role: 'admin' };
    for (const registry of [remote, local]) {
      const refused = await refusalOf(registry.changeRole(admin));
      expect(refused.code).toBe('conflict');
      expect(refused.message).toContain('would leave no enabled global admin');
    }
  });

  it('refuse alike with coded errors: an unknown model is not_found either way', async () => {
    const fromServer = await refusalOf(remote.serving('no-such-model'));
    const fromDatabase = await refusalOf(local.serving('no-such-model'));
    expect(fromServer.code).toBe('not_found');
    expect(fromDatabase.code).toBe('not_found');
  });

  it('turns a refused token into unauthenticated, and an absent server into a clear message', async () => {
    const stranger = createRemoteRegistry({ server: server.url, token: 'clr_bad_token' });
    expect((await refusalOf(stranger.listModels())).code).toBe('unauthenticated');
    const nowhere = createRemoteRegistry({ server: 'http://127.0.0.1:9', token: '' });
    expect((await refusalOf(nowhere.listModels())).message).toContain(
      'Cannot reach the Clearance server at http://127.0.0.1:9',
    );
  });
});
