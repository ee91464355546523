/**
 * `clearance blobs gc` on a temporary SQLite install, through the built command: a dry run lists
 * an unreferenced blob and keeps it, a run deletes it and audits the run (and removes what an
 * interrupted write left), a bad grace is refused.
 */
import { existsSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openRegistry } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import { runCli } from './run-cli.js';

it('collects an unreferenced blob, after a dry run that changes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clearance-gc-'));
  const database = `sqlite:${join(dir, 'clearance.db')}`;
  const flags = ['--database', database, '--data-dir', dir];
  const open = () => openRegistry(loadConfig({ env: {}, flags: { database, dataDir: dir } }));
  const registry = await open();
  const orphan = await registry.deps.blobs.put(new TextEncoder().encode('orphan bytes'));
  await registry.close();
  // What a write killed before its rename left, two hours ago.
  const hex = orphan.digest.slice('sha256:'.length);
  const partial = join(
    dir,
    'blobs',
    'sha256',
    hex.slice(0, 2),
    hex.slice(2, 4),
    `${hex}.0a1b2c3d4e5f.tmp`,
  );
  writeFileSync(partial, 'half');
  const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
  utimesSync(partial, twoHoursAgo, twoHoursAgo);

  const dry = await runCli(['blobs', 'gc', '--dry-run', '--format', 'json', ...flags]);
  expect(dry.status, dry.stderr).toBe(0);
  expect(JSON.parse(dry.stdout)).toMatchObject({
    dryRun: true,
    blobs: [orphan],
    abandonedWrites: { files: 1, bytes: 4 },
  });
  expect(existsSync(partial)).toBe(true);

  const run = await runCli(['blobs', 'gc', ...flags]);
  expect(run.status, run.stderr).toBe(0);
  expect(run.stdout).toContain(`Deleted 1 unreferenced blob(s), ${orphan.size} bytes.`);
  expect(run.stdout).toContain(
    'Removed 1 partial file(s) of interrupted writes, 4 bytes (never blobs; nothing recorded names them).',
  );
  expect(existsSync(partial)).toBe(false);

  const after = await open();
  try {
    expect(await after.deps.blobs.has(orphan.digest)).toBe(false);
    const actions = await after.store.read(async (tx) => {
      const found: string[] = [];
      for await (const e of tx.audit.entries(0, await tx.audit.size())) found.push(e.entry.action);
      return found;
    });
    expect(actions).toEqual(['blobs.collected']);
  } finally {
    await after.close();
  }

  const bad = await runCli(['blobs', 'gc', '--grace-seconds', '5', ...flags]);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain(
    '--grace-seconds 5 is not a whole number of seconds of at least 60.',
  );
});
