/**
 * `clearance evidence-pack verify`: a pack exported from a temporary SQLite registry verifies
 * offline against its pinned key, as a directory and as a .tar.gz; each kind of tampering is
 * named and exits 1; an unreadable pack or a missing pin exits 2.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/audit/index.js';
import { canonicalJson } from '../../src/domain/index.js';
import { promotedModel as model, populatePromotedRegistry } from './promoted-registry.js';
import { runCli } from './run-cli.js';

let dir = '';
let pack = '';
let archive = '';
let key = '';
let proven = 0;

const sha256 = (bytes: Uint8Array | string) =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

interface Report {
  valid: boolean;
  proofsVerified: number;
  checks: { check: string; ok: boolean; failures: string[] }[];
}

async function verify(target: string, ...args: string[]) {
  const run = await runCli(['evidence-pack', 'verify', target, ...args, '--format', 'json']);
  return { ...run, report: run.status === 2 ? undefined : (JSON.parse(run.stdout) as Report) };
}

const failed = (r: Report | undefined) => r?.checks.filter((c) => !c.ok).map((c) => c.check);

/** A copy of the exported pack to tamper with. */
function copyOfPack(name: string): string {
  const copy = join(dir, name);
  cpSync(pack, copy, { recursive: true });
  return copy;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clearance-pack-verify-'));
  const database = `sqlite:${join(dir, 'clearance.db')}`;
  const flags = ['--database', database, '--data-dir', dir];
  await populatePromotedRegistry(database, dir);
  expect((await runCli(['audit', 'checkpoint', ...flags])).status).toBe(0);
  pack = join(dir, 'pack');
  archive = join(dir, 'pack.tar.gz');
  for (const output of [pack, archive]) {
    const run = await runCli([
      'evidence-pack',
      'export',
      model,
      '2026.2',
      '--output',
      output,
      ...flags,
    ]);
    expect(run.status, run.stderr).toBe(0);
  }
  const manifest = JSON.parse(readFileSync(join(pack, 'manifest.json'), 'utf8'));
  key = manifest.audit.verifierKey;
  proven = manifest.audit.proven;
  expect(proven).toBeGreaterThan(0);
}, 120_000);

describe('clearance evidence-pack verify', () => {
  it('accepts an untouched pack directory against the pinned key, every proof checked', async () => {
    const { status, report, stderr } = await verify(pack, '--key', key);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(report?.valid).toBe(true);
    expect(report?.proofsVerified).toBe(proven);
    const text = await runCli(['evidence-pack', 'verify', pack, '--key', key]);
    expect(text.stdout).toMatch(/VALID/);
    expect(text.stdout).toContain(`${proven} audit entries proven included`);
  });

  it('accepts the .tar.gz when the key in the pack has the pinned fingerprint', async () => {
    const fingerprint = sha256(
      readFileSync(join(pack, 'audit', 'verifier-key.txt'), 'utf8').trim(),
    );
    const { status, report } = await verify(archive, '--key-fingerprint', fingerprint);
    expect(status).toBe(0);
    expect(report?.proofsVerified).toBe(proven);
  });

  it('names a changed evidence file and exits 1', async () => {
    const copy = copyOfPack('changed-evidence');
    const file = join(copy, 'evidence', 'predictions.csv');
    writeFileSync(file, `${readFileSync(file, 'utf8')}0,0.5,x\n`);
    const { status, report } = await verify(copy, '--key', key);
    expect(status).toBe(1);
    expect(failed(report)).toEqual(['files']);
    expect(report?.checks[0]?.failures.join(' ')).toContain('evidence/predictions.csv hashes to');
  });

  it('finds an edited audit entry even when the manifest was rewritten to match', async () => {
    const copy = copyOfPack('edited-entry');
    const path = join(copy, 'audit', 'entries.jsonl');
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    const first = JSON.parse(lines[0] ?? '{}');
    first.actor.id = 'someone-else';
    lines[0] = canonicalJson(first);
    const edited = `${lines.join('\n')}\n`;
    writeFileSync(path, edited);
    const manifestPath = join(copy, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    for (const row of manifest.files)
      if (row.path === 'audit/entries.jsonl') {
        row.sha256 = sha256(edited);
        row.size = Buffer.byteLength(edited);
      }
    manifest.packDigest = sha256(canonicalJson(manifest.files));
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const { status, report } = await verify(copy, '--key', key);
    expect(status).toBe(1);
    expect(failed(report)).toEqual(['inclusion_proofs']);
    expect(report?.checks[3]?.failures[0]).toContain(`Audit entry ${first.seq} does not hash`);
  });

  it('finds an edited audit entry the rewritten manifest calls newer than the checkpoint', async () => {
    const copy = copyOfPack('edited-entry-not-covered');
    const path = join(copy, 'audit', 'entries.jsonl');
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    const first = JSON.parse(lines[0] ?? '{}');
    first.actor.id = 'someone-else';
    lines[0] = canonicalJson(first);
    const edited = `${lines.join('\n')}\n`;
    writeFileSync(path, edited);
    const manifestPath = join(copy, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    for (const row of manifest.files)
      if (row.path === 'audit/entries.jsonl') {
        row.sha256 = sha256(edited);
        row.size = Buffer.byteLength(edited);
      }
    manifest.audit.notCovered = [first.seq];
    manifest.packDigest = sha256(canonicalJson(manifest.files));
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const { status, report } = await verify(copy, '--key', key);
    expect(status).toBe(1);
    expect(failed(report)).toEqual(['inclusion_proofs']);
    expect(report?.checks[3]?.failures.join(' ')).toContain(`Audit entry ${first.seq}`);
  });

  it('finds a swapped evidence file even when the manifest was rewritten to match', async () => {
    const copy = copyOfPack('swapped-evidence');
    const file = join(copy, 'evidence', 'predictions.csv');
    const swapped = `${readFileSync(file, 'utf8')}0,0.5,x\n`;
    writeFileSync(file, swapped);
    const manifestPath = join(copy, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    for (const row of manifest.files)
      if (row.path === 'evidence/predictions.csv') {
        row.sha256 = sha256(swapped);
        row.size = Buffer.byteLength(swapped);
      }
    manifest.packDigest = sha256(canonicalJson(manifest.files));
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const { status, report } = await verify(copy, '--key', key);
    expect(status).toBe(1);
    expect(failed(report)).toEqual(['files']);
    expect(report?.checks[0]?.failures.join(' ')).toContain(
      'evidence/predictions.csv is not the file the audit log records attached',
    );
  });

  it('finds an evidence file left out together with its manifest row', async () => {
    const copy = copyOfPack('dropped-evidence');
    rmSync(join(copy, 'evidence', 'model_card.md'));
    const manifestPath = join(copy, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    manifest.files = manifest.files.filter(
      (row: { path: string }) => row.path !== 'evidence/model_card.md',
    );
    manifest.packDigest = sha256(canonicalJson(manifest.files));
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const { status, report } = await verify(copy, '--key', key);
    expect(status).toBe(1);
    expect(failed(report)).toEqual(['files']);
    expect(report?.checks[0]?.failures.join(' ')).toContain('evidence/model_card.md is missing');
  });

  it('refuses a checkpoint that the pinned key did not sign', async () => {
    const other = generateSigningKey('clearance/other').verifierKey;
    const wrongKey = await verify(pack, '--key', other);
    expect(wrongKey.status).toBe(1);
    expect(failed(wrongKey.report)).toEqual(['checkpoint', 'inclusion_proofs', 'records']);
    const wrongPrint = await verify(pack, '--key-fingerprint', sha256(other));
    expect(wrongPrint.status).toBe(1);
    expect(failed(wrongPrint.report)).toContain('checkpoint');
  });

  it('exits 2 for a missing pack, a file that is not a pack, or no pinned key', async () => {
    const missing = await runCli(['evidence-pack', 'verify', join(dir, 'nope'), '--key', key]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no such file or directory');
    const notPack = join(dir, 'not-a-pack.tar.gz');
    writeFileSync(notPack, 'hello');
    const bad = await runCli(['evidence-pack', 'verify', notPack, '--key', key]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('not a gzip-compressed tar');
    const unpinned = await runCli(['evidence-pack', 'verify', pack]);
    expect(unpinned.status).toBe(2);
    expect(unpinned.stderr).toContain('No verifier key pinned');
  });
});
