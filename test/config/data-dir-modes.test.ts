/**
 * File modes of the data directory (docs/operations.md): owner-only directories (0700) and files
 * (0600) for the SQLite database with its -wal and -shm, the audit signing key, install-id and
 * evidence blobs; looser existing ones are tightened at start, with a warning each.
 */
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openRegistry, type Registry } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';

const dirs: string[] = [];
let registry: Registry | undefined;
afterEach(async () => {
  await registry?.close();
  registry = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function modeOf(path: string): string {
  return (statSync(path).mode & 0o777).toString(8).padStart(4, '0');
}

function configIn(dataDir: string) {
  return loadConfig({ env: {}, flags: { dataDir } });
}

it('creates the data directory 0700 and the database, its WAL, keys and blobs 0600', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'clearance-modes-'));
  dirs.push(parent);
  const dataDir = join(parent, 'data');
  const warnings: string[] = [];
  registry = await openRegistry(configIn(dataDir), { warn: (m) => warnings.push(m) });
  const { digest } = await registry.deps.blobs.put(new TextEncoder().encode('{"auc":0.8}'));
  const hex = digest.replace('sha256:', '');
  const blob = join(dataDir, 'blobs', 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex);
  expect({
    dataDir: modeOf(dataDir),
    blobs: modeOf(join(dataDir, 'blobs')),
    blobDir: modeOf(join(dataDir, 'blobs', 'sha256', hex.slice(0, 2))),
    blob: modeOf(blob),
    db: modeOf(join(dataDir, 'clearance.db')),
    wal: modeOf(join(dataDir, 'clearance.db-wal')),
    shm: modeOf(join(dataDir, 'clearance.db-shm')),
    key: modeOf(join(dataDir, 'audit-signing-key.pem')),
    installId: modeOf(join(dataDir, 'install-id')),
  }).toEqual({
    dataDir: '0700',
    blobs: '0700',
    blobDir: '0700',
    blob: '0600',
    db: '0600',
    wal: '0600',
    shm: '0600',
    key: '0600',
    installId: '0600',
  });
  expect(warnings).toEqual([]);
});

it('tightens a looser existing data directory, database and key at start, with a warning each', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'clearance-modes-'));
  dirs.push(dataDir);
  registry = await openRegistry(configIn(dataDir), { warn: () => undefined });
  await registry.close();
  registry = undefined;
  const db = join(dataDir, 'clearance.db');
  const key = join(dataDir, 'audit-signing-key.pem');
  chmodSync(dataDir, 0o755);
  chmodSync(db, 0o644);
  chmodSync(key, 0o640);
  const warnings: string[] = [];
  registry = await openRegistry(configIn(dataDir), { warn: (m) => warnings.push(m) });
  expect([modeOf(dataDir), modeOf(db), modeOf(key)]).toEqual(['0700', '0600', '0600']);
  expect(warnings).toEqual([
    expect.stringMatching(/ was mode 0755, readable by other users; set it to 0700\./),
    expect.stringMatching(/clearance\.db was mode 0644.*set it to 0600\./),
    expect.stringMatching(/audit-signing-key\.pem was mode 0640.*set it to 0600\./),
  ]);
  expect(warnings[0]).toContain(dataDir);
});
