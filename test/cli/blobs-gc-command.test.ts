/**
 * `clearance blobs gc` on a temporary SQLite install, through the built command: a dry run lists
 * an unreferenced blob and keeps it, a run deletes it and audits the run, a bad grace is refused.
 */
import { mkdtempSync } from 'node:fs';
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

  const dry = await runCli(['blobs', 'gc', '--dry-run', '--format', 'json', ...flags]);
  expect(dry.status, dry.stderr).toBe(0);
  expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, blobs: [orphan] });

  const run = await runCli(['blobs', 'gc', ...flags]);
  expect(run.status, run.stderr).toBe(0);
  expect(run.stdout).toContain(`Deleted 1 unreferenced blob(s), ${orphan.size} bytes.`);

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
