/**
 * `clearance audit rotate-key` on a temporary SQLite install, through the built command: the log
 * is handed over to a new key, verifies from the old key and from the new one, and the old key
 * signs nothing more.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type AuditSigner,
  rotateAuditKey,
  signAuditCheckpoint,
  verifyStoredLog,
} from '../../src/app/index.js';
import { generateSigningKey } from '../../src/audit/index.js';
import { openRegistry, type Registry } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import type { ClearanceError } from '../../src/domain/index.js';
import { runCli } from './run-cli.js';

function tempInstall() {
  const dir = mkdtempSync(join(tmpdir(), 'clearance-rotate-'));
  const database = `sqlite:${join(dir, 'clearance.db')}`;
  return { dir, database, flags: ['--database', database, '--data-dir', dir] };
}

type Install = ReturnType<typeof tempInstall>;

async function withRegistry<T>(install: Install, work: (r: Registry) => Promise<T>): Promise<T> {
  const registry = await openRegistry(
    loadConfig({ env: {}, flags: { database: install.database, dataDir: install.dir } }),
  );
  try {
    return await work(registry);
  } finally {
    await registry.close();
  }
}

/** Some history (the bootstrap writes entries) and a checkpoint signed by the first key. */
async function installWithHistory(): Promise<{ install: Install; first: AuditSigner }> {
  const install = tempInstall();
  expect((await runCli(['admin', 'bootstrap', ...install.flags])).status).toBe(0);
  const first = await withRegistry(install, async (r) => {
    expect((await signAuditCheckpoint(r.deps, r.auditSigner)).signed).toBe(true);
    return r.auditSigner;
  });
  return { install, first };
}

const refusal = async (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: unknown) => error as ClearanceError,
  );

describe('clearance audit rotate-key', () => {
  it('hands the log over; it verifies from either key and the old key signs nothing more', async () => {
    const { install, first } = await installWithHistory();
    const rotated = await runCli([
      'audit',
      'rotate-key',
      '--reason',
      'yearly rotation (SEC-12)',
      '--format',
      'json',
      ...install.flags,
    ]);
    expect(rotated.stderr).toBe('');
    expect(rotated.status).toBe(0);
    const out = JSON.parse(rotated.stdout) as { retired: string; next: string; note: string };
    expect(out.retired).toBe(first.verifierKey);
    expect(out.next).not.toBe(first.verifierKey);
    // Both keys signed the handover: two signature lines.
    expect(out.note.split('\n').filter((line) => line.startsWith('\u2014 '))).toHaveLength(2);
    const files = readdirSync(install.dir);
    expect(files.some((f) => f.startsWith('audit-signing-key.pem.retired-'))).toBe(true);
    expect(existsSync(join(install.dir, 'audit-signing-key.pem.next'))).toBe(false);

    await withRegistry(install, async (r) => {
      expect(r.auditSigner.verifierKey).toBe(out.next);
      const entries: string[] = [];
      await r.store.read(async (tx) => {
        for await (const { entry } of tx.audit.entries(0, await tx.audit.size())) {
          if (entry.action === 'audit.key_rotated') entries.push(entry.reason ?? '');
        }
      });
      expect(entries).toEqual(['yearly rotation (SEC-12)']);
      const more = () =>
        r.store.transaction((tx) =>
          tx.audit.append({
            time: new Date().toISOString(),
            actor: { id: 'system:test', kind: 'system' },
            action: 'role.changed',
            subject: { type: 'user', id: 'x' },
            digests: {},
            data: {},
          }),
        );
      // A server that still holds the retired key refuses to sign, right after the handover...
      await more();
      expect((await refusal(signAuditCheckpoint(r.deps, first))).message).toMatch(/retired/);
      // ...while the new key signs more history alone.
      expect((await signAuditCheckpoint(r.deps, r.auditSigner)).signed).toBe(true);
      // The server's own (new) key reaches the old checkpoints through the handover.
      expect((await verifyStoredLog(r.deps, { log: r.auditSigner })).result.ok).toBe(true);
      // ...and later, once the new key has signed on its own.
      await more();
      const stale = await refusal(signAuditCheckpoint(r.deps, first));
      expect(stale.code).toBe('audit_unavailable');
    });

    // A proof against a checkpoint the first key signed names that key, and verifies.
    const firstSize = await withRegistry(install, (r) =>
      r.store.read(async (tx) => (await tx.checkpoints.list())[0]?.size ?? 0),
    );
    const proof = await runCli([
      'audit',
      'prove',
      '0',
      '--size',
      String(firstSize),
      '--format',
      'json',
      ...install.flags,
    ]);
    expect(proof.stderr).toBe('');
    expect(proof.status).toBe(0);
    expect(JSON.parse(proof.stdout).checkpoint.verifierKey).toBe(first.verifierKey);

    // Pinned to the first key, a proof against the newest checkpoint (signed by the new key
    // alone) still verifies: the CLI follows the handover from the pinned key.
    const pinned = await runCli([
      'audit',
      'prove',
      '0',
      '--key',
      first.verifierKey,
      ...install.flags,
    ]);
    expect(pinned.stderr).toBe('');
    expect(pinned.status).toBe(0);
    const stranger = generateSigningKey(first.origin).verifierKey;
    expect(
      (await runCli(['audit', 'prove', '0', '--key', stranger, ...install.flags])).status,
    ).toBe(1);

    // An auditor who pinned the first key follows the handover to the new one, offline.
    const file = join(install.dir, 'export.jsonl');
    expect((await runCli(['audit', 'export', '--output', file, ...install.flags])).status).toBe(0);
    const offline = await runCli(['audit', 'verify', '--file', file, '--key', first.verifierKey]);
    expect(offline.stderr).toBe('');
    expect(offline.status).toBe(0);
    expect((await runCli(['audit', 'verify', '--file', file, '--key', stranger])).status).toBe(1);
  });

  it('resumes an interrupted rotation with the same key instead of handing over twice', async () => {
    const { install, first } = await installWithHistory();
    // The database handed over to the `.next` key, then the process stopped before the swap.
    const pending = generateSigningKey(first.origin);
    writeFileSync(join(install.dir, 'audit-signing-key.pem.next'), pending.privateKey);
    const next: AuditSigner = {
      origin: first.origin,
      note: { name: first.origin, privateKey: pending.privateKey },
      verifierKey: pending.verifierKey,
    };
    const checkpoints = await withRegistry(install, async (r) => {
      await rotateAuditKey(r.deps, { current: first, next, reason: 'interrupted' });
      return r.store.read(async (tx) => (await tx.checkpoints.list()).length);
    });
    const resumed = await runCli(['audit', 'rotate-key', '--reason', 'again', ...install.flags]);
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    await withRegistry(install, async (r) => {
      expect(r.auditSigner.verifierKey).toBe(pending.verifierKey);
      expect(await r.store.read(async (tx) => (await tx.checkpoints.list()).length)).toBe(
        checkpoints,
      );
    });
    expect(readFileSync(join(install.dir, 'audit-signing-key.pem'), 'utf8')).toBe(
      pending.privateKey,
    );
  });

  it('refuses a rotation without a reason and changes nothing', async () => {
    const { install, first } = await installWithHistory();
    const run = await runCli(['audit', 'rotate-key', '--reason', ' ', ...install.flags]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/needs a reason/);
    expect(existsSync(join(install.dir, 'audit-signing-key.pem.next'))).toBe(false);
    await withRegistry(install, async (r) => {
      expect(r.auditSigner.verifierKey).toBe(first.verifierKey);
    });
  });
});
