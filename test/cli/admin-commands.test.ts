/** `clearance admin …` on a temporary SQLite file, through the built command. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { authenticate } from '../../src/auth/index.js';
import { openRegistry } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import { runCli } from './run-cli.js';

function tempInstall() {
  const dir = mkdtempSync(join(tmpdir(), 'clearance-admin-'));
  const flags = ['--database', `sqlite:${join(dir, 'clearance.db')}`, '--data-dir', dir];
  return { dir, flags, database: `sqlite:${join(dir, 'clearance.db')}` };
}

const tokenIn = (text: string) => /clr_[0-9a-f]{24}_[A-Za-z0-9_-]{43}/.exec(text)?.[0] ?? '';

async function principalFor(install: { dir: string; database: string }, token: string) {
  const registry = await openRegistry(
    loadConfig({ env: {}, flags: { database: install.database, dataDir: install.dir } }),
  );
  try {
    return await authenticate(
      { authorization: `Bearer ${token}` },
      { directory: registry.directory },
    );
  } finally {
    await registry.close();
  }
}

/** The actions of the install's audit log, oldest first. */
async function auditActions(install: { dir: string; database: string }): Promise<string[]> {
  const registry = await openRegistry(
    loadConfig({ env: {}, flags: { database: install.database, dataDir: install.dir } }),
  );
  try {
    return await registry.store.transaction(async (tx) => {
      const actions: string[] = [];
      for await (const logged of tx.audit.entries(0, await tx.audit.size()))
        actions.push(logged.entry.action);
      return actions;
    });
  } finally {
    await registry.close();
  }
}

describe('clearance admin', () => {
  it('bootstraps the first admin once and prints a token that authenticates', async () => {
    const install = tempInstall();
    const first = await runCli(['admin', 'bootstrap', '--user', 'root.admin', ...install.flags]);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/shown this once/);
    const token = tokenIn(first.stdout);
    expect(await principalFor(install, token)).toStrictEqual({
      id: 'root.admin',
      kind: 'user',
      roles: [{ role: 'admin' }],
    });

    const second = await runCli(['admin', 'bootstrap', ...install.flags]);
    expect(second.status).toBe(2);
    expect(second.stderr).toMatch(/already has users/);
    expect(second.stdout).toBe('');
  });

  it('creates users, grants roles and creates expiring tokens as system:cli', async () => {
    const install = tempInstall();
    expect((await runCli(['admin', 'bootstrap', ...install.flags])).status).toBe(0);
    const user = await runCli(['admin', 'user', 'create', '--user', 'rob.risk', ...install.flags]);
    expect(user.status).toBe(0);
    const grant = await runCli([
      'admin',
      'role',
      'grant',
      '--user',
      'rob.risk',
      '--role',
      'risk_officer',
      ...install.flags,
    ]);
    expect(grant.status).toBe(0);
    const created = await runCli([
      'admin',
      'token',
      'create',
      '--user',
      'rob.risk',
      '--expires',
      '30d',
      '--description',
      'risk review',
      '--format',
      'json',
      ...install.flags,
    ]);
    expect(created.status).toBe(0);
    const body = JSON.parse(created.stdout) as {
      token: string;
      expiresAt: string;
      createdBy: string;
    };
    expect(body.createdBy).toBe('system:cli');
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(29 * 24 * 3600 * 1000);
    const principal = await principalFor(install, body.token);
    expect(principal.roles).toStrictEqual([{ role: 'risk_officer' }]);

    const badExpiry = await runCli([
      'admin',
      'token',
      'create',
      '--user',
      'rob.risk',
      '--expires',
      'soon',
      ...install.flags,
    ]);
    expect(badExpiry.status).toBe(2);
    expect(badExpiry.stderr).toMatch(/--expires "soon"/);
  });

  it('answers a repeated role grant, role revocation or token revocation with exit 0 and writes it once', async () => {
    const install = tempInstall();
    expect((await runCli(['admin', 'bootstrap', ...install.flags])).status).toBe(0);
    expect(
      (await runCli(['admin', 'user', 'create', '--user', 'rob.risk', ...install.flags])).status,
    ).toBe(0);
    const created = await runCli([
      'admin',
      'token',
      'create',
      '--user',
      'rob.risk',
      '--format',
      'json',
      ...install.flags,
    ]);
    const tokenId = (JSON.parse(created.stdout) as { id: string }).id;
    const before = (await auditActions(install)).length;
    const role = (change: string) => [
      'admin',
      'role',
      change,
      '--user',
      'rob.risk',
      '--role',
      'risk_officer',
      ...install.flags,
    ];
    const revokeToken = ['admin', 'token', 'revoke', '--id', tokenId, ...install.flags];
    const outputs: string[] = [];
    for (const args of [role('grant'), role('grant'), role('revoke'), role('revoke')]) {
      const run = await runCli(args);
      expect({ status: run.status, stderr: run.stderr }).toStrictEqual({ status: 0, stderr: '' });
      outputs.push(run.stdout);
    }
    expect(outputs).toStrictEqual([
      'User rob.risk holds role risk_officer globally.\n',
      'User rob.risk holds role risk_officer globally.\n',
      'User rob.risk does not hold role risk_officer globally.\n',
      'User rob.risk does not hold role risk_officer globally.\n',
    ]);
    const first = await runCli(revokeToken);
    const second = await runCli(revokeToken);
    expect([first.status, second.status]).toStrictEqual([0, 0]);
    expect(first.stdout).toMatch(/^API token \w+ is revoked \(at \d{4}-.* by system:cli\)\.\n$/);
    expect(second.stdout).toBe(first.stdout);
    expect((await auditActions(install)).slice(before)).toStrictEqual([
      'role.changed',
      'role.changed',
      'token.revoked',
    ]);
  });

  it('refuses to remove the last enabled global admin, and recovers on the database', async () => {
    const install = tempInstall();
    expect((await runCli(['admin', 'bootstrap', '--user', 'root', ...install.flags])).status).toBe(
      0,
    );
    const revokeRoot = ['admin', 'role', 'revoke', '--user', 'root', '--role', 'admin'];
    const refused = await runCli([...revokeRoot, ...install.flags]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(
      /Revoking the global admin role of root would leave no enabled global admin: root is the last one\./,
    );
    const disabled = await runCli(['admin', 'user', 'disable', '--user', 'root', ...install.flags]);
    expect(disabled.status).toBe(2);
    expect(disabled.stderr).toMatch(/Disabling root would leave no enabled global admin/);
    expect((await auditActions(install)).at(-1)).toBe('token.created');

    // The operator's way: another admin first, then the change.
    for (const args of [
      ['admin', 'user', 'create', '--user', 'nora.new'],
      ['admin', 'role', 'grant', '--user', 'nora.new', '--role', 'admin'],
      revokeRoot,
    ]) {
      expect((await runCli([...args, ...install.flags])).status).toBe(0);
    }
  });

  it('disables and enables a user: their token is refused meanwhile', async () => {
    const install = tempInstall();
    expect((await runCli(['admin', 'bootstrap', ...install.flags])).status).toBe(0);
    expect(
      (await runCli(['admin', 'user', 'create', '--user', 'dora.departed', ...install.flags]))
        .status,
    ).toBe(0);
    const created = await runCli([
      'admin',
      'token',
      'create',
      '--user',
      'dora.departed',
      ...install.flags,
    ]);
    const token = tokenIn(created.stdout);
    expect((await principalFor(install, token)).id).toBe('dora.departed');

    const disable = ['admin', 'user', 'disable', '--user', 'dora.departed', ...install.flags];
    const disabled = await runCli(disable);
    expect(disabled.stderr).toBe('');
    expect(disabled.status).toBe(0);
    expect(disabled.stdout).toMatch(/^Disabled user dora\.departed at \d{4}-/);
    await expect(principalFor(install, token)).rejects.toThrow(
      'The account of user dora.departed is disabled.',
    );
    const again = await runCli([...disable, '--format', 'json']);
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout).disabledAt).toBeTypeOf('string');

    const enabled = await runCli([
      'admin',
      'user',
      'enable',
      '--user',
      'dora.departed',
      ...install.flags,
    ]);
    expect(enabled.status).toBe(0);
    expect(enabled.stdout).toBe('Enabled user dora.departed.\n');
    expect((await principalFor(install, token)).id).toBe('dora.departed');

    const unknown = await runCli([
      'admin',
      'user',
      'disable',
      '--user',
      'nobody',
      ...install.flags,
    ]);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/User nobody/);
  });
});
