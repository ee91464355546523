import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { createStore } from '../../src/store/index.js';

const run = promisify(execFile);

it('queues writers from several processes on one SQLite file (BEGIN IMMEDIATE, busy_timeout)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'clearance-procs-'));
  const file = join(dir, 'clearance.db');
  try {
    // Migrate first so the children race on appends, not on creating the schema.
    await (await createStore({ engine: 'sqlite', file })).close();
    const child = join(import.meta.dirname, 'sqlite-append-child.ts');
    await Promise.all(
      [1, 2, 3].map(() => run(process.execPath, ['--import', 'tsx', child, file, '40'])),
    );
    const store = await createStore({ engine: 'sqlite', file });
    const seqs = await store.transaction(async (tx) => {
      const out: number[] = [];
      for await (const logged of tx.audit.entries(0, await tx.audit.size())) {
        out.push(logged.entry.seq);
      }
      return out;
    });
    await store.close();
    expect(seqs).toStrictEqual(Array.from({ length: 120 }, (_, i) => i));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
