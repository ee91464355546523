/**
 * `evidence-pack export`, `policy backtest` and `audit prove|export|checkpoint` with `--server`,
 * against the built `clearance serve` on a registry where a version was promoted: people without
 * the database get the same files and reports, checked on the client, acting as themselves.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InclusionProofView } from '../../src/app/index.js';
import {
  type AuditEntry,
  entryLeafHash,
  generateSigningKey,
  parseVerifierKey,
  verifyCheckpoint,
  verifyInclusion,
} from '../../src/audit/index.js';
import { examplesDir } from '../app/harness.js';
import { createClient } from '../e2e/http-client.js';
import {
  bootstrapLiveAdmin,
  type LiveServer,
  personTokenOn,
  serveLive,
} from '../e2e/live-server.js';
import { promotedModel as model, populatePromotedRegistry } from './promoted-registry.js';
import { runCli } from './run-cli.js';

let dir = '';
let server: LiveServer;
const tokens = { admin: '', auditor: '', risk: '', nobody: '' };
let verifierKey = '';

const as = (who: keyof typeof tokens) => ['--server', server.url, '--token', tokens[who]];
const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clearance-server-cli-'));
  const database = `sqlite:${join(dir, 'registry.db')}`;
  const dataDir = join(dir, 'data');
  const adminToken = await bootstrapLiveAdmin({ database, dataDir });
  await populatePromotedRegistry(database, dataDir);
  server = await serveLive({ database, dataDir, adminToken });
  tokens.admin = adminToken;
  tokens.auditor = await personTokenOn(server, 'ada.auditor', ['auditor']);
  tokens.risk = await personTokenOn(server, 'rae.risk', ['risk_officer']);
  tokens.nobody = await personTokenOn(server, 'nick.nobody', []);
  const signed = await runCli(['audit', 'checkpoint', ...as('admin'), '--format', 'json']);
  expect(signed.stderr).toBe('');
  expect(signed.status).toBe(0);
  expect(JSON.parse(signed.stdout).size).toBeGreaterThan(0);
  const auditor = createClient({ server: server.url, token: tokens.auditor });
  verifierKey = (
    await auditor.call<{ verifierKey: string }>('GET', '/api/v1/audit/checkpoints/latest')
  ).verifierKey;
}, 120_000);
afterAll(() => server?.stop());

async function entriesOnServer(): Promise<AuditEntry[]> {
  const auditor = createClient({ server: server.url, token: tokens.auditor });
  const page = await auditor.call<{ entries: { entry: AuditEntry }[] }>(
    'GET',
    '/api/v1/audit/entries',
    {
      query: { from: '0', limit: '1000' },
    },
  );
  return page.entries.map((e) => e.entry);
}

describe('clearance evidence-pack export --server', () => {
  it('downloads and unpacks the pack; every manifest digest matches its file', async () => {
    const out = join(dir, 'pack');
    const run = await runCli([
      'evidence-pack',
      'export',
      model,
      '2026.2',
      '--output',
      out,
      ...as('auditor'),
    ]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`from:         ${server.url}`);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.createdBy).toBe('ada.auditor');
    expect(manifest.audit.proven).toBeGreaterThan(0);
    expect(manifest.audit.verifierKey).toBe(verifierKey);
    for (const f of manifest.files as { path: string; sha256: string; size: number }[]) {
      const bytes = readFileSync(join(out, f.path));
      expect(sha256(bytes), f.path).toBe(f.sha256);
      expect(bytes.length, f.path).toBe(f.size);
    }
    expect(existsSync(join(out, 'evidence', 'predictions.csv'))).toBe(true);
    const exported = (await entriesOnServer()).filter((e) => e.action === 'evidence_pack.exported');
    expect(exported.at(-1)?.actor.id).toBe('ada.auditor');
    expect(exported.at(-1)?.digests.pack).toBe(manifest.packDigest);
  });

  it('writes the .tar.gz as served when --output ends in .tar.gz (server from CLEARANCE_SERVER)', async () => {
    const file = join(dir, 'pack.tar.gz');
    const run = await runCli(
      [
        'evidence-pack',
        'export',
        model,
        '2026.2',
        '--output',
        file,
        '--format',
        'json',
        '--server',
      ],
      { env: { CLEARANCE_SERVER: server.url, CLEARANCE_TOKEN: tokens.auditor } },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).archive).toBe(file);
    // gzip magic: the file is the download itself, not a directory.
    expect([...readFileSync(file).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
  });

  it('refuses a caller with no role on the model and writes nothing', async () => {
    const out = join(dir, 'refused');
    const run = await runCli([
      'evidence-pack',
      'export',
      model,
      '2026.2',
      '--output',
      out,
      ...as('nobody'),
    ]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('nick.nobody may not read the evidence pack');
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
  });

  it('refuses --server together with --database', async () => {
    const run = await runCli([
      'evidence-pack',
      'export',
      model,
      '2026.2',
      '--output',
      join(dir, 'both'),
      '--database',
      'sqlite:x.db',
      ...as('auditor'),
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--server cannot be combined with --database');
  });
});

describe('clearance audit prove|export --server', () => {
  it('prints an inclusion proof that verifies against the pinned key', async () => {
    const seq = (await entriesOnServer()).findIndex((e) => e.action === 'transition.executed');
    const run = await runCli(['audit', 'prove', String(seq), '--format', 'json', ...as('auditor')]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const proof = JSON.parse(run.stdout) as InclusionProofView;
    expect(proof.seq).toBe(seq);
    expect(proof.entry.action).toBe('transition.executed');
    // Checked again here, independently of the command, with the key fetched out of band.
    const leafHash = entryLeafHash(proof.entry);
    expect(Buffer.from(leafHash).toString('base64')).toBe(proof.leafHash);
    const checked = verifyCheckpoint(proof.checkpoint.note, [parseVerifierKey(verifierKey)]);
    if (!checked.ok) throw new Error(checked.reason);
    expect(
      verifyInclusion({
        leafIndex: proof.seq,
        treeSize: proof.treeSize,
        leafHash,
        proof: proof.proof.map((h) => Buffer.from(h, 'base64')),
        root: checked.checkpoint.rootHash,
      }),
    ).toBe(true);
    const text = await runCli([
      'audit',
      'prove',
      String(seq),
      '--key',
      verifierKey,
      ...as('auditor'),
    ]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(`Entry ${seq} is included`);
    expect(text.stdout).not.toContain('pass --key');
  });

  it('refuses a proof whose checkpoint is not signed by the pinned key', async () => {
    const other = await runCli(['audit', 'prove', '0', ...as('auditor'), '--key', otherKey()]);
    expect(other.status).toBe(1);
    expect(other.stderr).toContain('does not verify');
  });

  it('exports the log up to the newest checkpoint, and the export verifies offline', async () => {
    const file = join(dir, 'audit.jsonl');
    const run = await runCli(['audit', 'export', '--output', file, ...as('auditor')]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Exported \d+ entries and \d+ signed checkpoint\(s\) from/);
    const header = JSON.parse(readFileSync(file, 'utf8').split('\n')[0] ?? '');
    expect(header.format).toBe('clearance-audit-export/v1');
    expect(header.verifierKeys).toEqual([verifierKey]);
    const verified = await runCli(['audit', 'verify', '--file', file, '--key', verifierKey]);
    expect(verified.stdout).toContain('verifies');
    expect(verified.status).toBe(0);
  });

  it('refuses the export to a caller without the auditor role and leaves no file', async () => {
    const file = join(dir, 'refused.jsonl');
    const run = await runCli(['audit', 'export', '--output', file, ...as('risk')]);
    expect(run.status).toBe(1);
    expect(existsSync(file)).toBe(false);
  });

  it('signs a checkpoint only for an admin', async () => {
    const refused = await runCli(['audit', 'checkpoint', ...as('auditor')]);
    expect(refused.status).toBe(1);
    const again = await runCli(['audit', 'checkpoint', ...as('admin')]);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/checkpoint of \d+ entries/);
  });
});

describe('clearance policy backtest --server', () => {
  const policy = readFileSync(join(examplesDir, 'credit-risk', 'policy.yaml'), 'utf8');

  it('exits 0 when no decision would differ', async () => {
    const file = join(dir, 'same.yaml');
    writeFileSync(file, policy);
    const run = await runCli(['policy', 'backtest', '--policy', file, ...as('risk')]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('0 would differ');
  });

  it('exits 1 naming the gate a stricter policy would block on, as the CLI does on the database', async () => {
    const file = join(dir, 'stricter.yaml');
    writeFileSync(file, policy.replace('min: 0.8', 'min: 0.8\n        max: 1.0'));
    const run = await runCli([
      'policy',
      'backtest',
      '--policy',
      file,
      '--model',
      model,
      ...as('risk'),
    ]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('would be denied (blocked by approval-rate-parity)');
    const json = await runCli([
      'policy',
      'backtest',
      '--policy',
      file,
      '--format',
      'json',
      ...as('risk'),
    ]);
    expect(JSON.parse(json.stdout).differing.length).toBe(2);
  });

  it('refuses a role that may not backtest', async () => {
    const file = join(dir, 'same.yaml');
    const run = await runCli(['policy', 'backtest', '--policy', file, ...as('nobody')]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('may not backtest');
  });
});

/** A well-formed verifier key for the same log name, of a key that signed nothing here. */
function otherKey(): string {
  const [name = 'clearance'] = verifierKey.split('+');
  return generateSigningKey(name).verifierKey;
}
