/**
 * Group commit's bounded wait (WriteWaitExceeded, ADR 045): a one-shot process whose write waits
 * on a write it started inside another is told so, and a batch whose writes all failed their wait
 * opens no transaction. (Found by review.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { sqliteDialect } from '../../src/store/dialects/sqlite-dialect.js';
import type { StoreDialect } from '../../src/store/dialects/store-dialect.js';

const opened: StoreDialect[] = [];
afterEach(async () => {
  for (const dialect of opened.splice(0)) await dialect.destroy();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('reports a nested write in a one-shot process instead of exiting silently', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clearance-wait-exit-'));
  const script = join(dir, 'nested.mts');
  const src = resolve(__dirname, '../../src/store/dialects/sqlite-dialect.ts');
  writeFileSync(
    script,
    `import { sqliteDialect } from ${JSON.stringify(src)};
const d = sqliteDialect({ file: ${JSON.stringify(join(dir, 'r.db'))}, writeWaitLimitMs: 300 });
try {
  await d.writeTransaction(() => d.writeTransaction(async () => 'inner'));
  console.log('resolved');
} catch (e) { console.log('failed: ' + (e as Error).name); }
`,
  );
  const tsx = resolve(__dirname, '../../node_modules/.bin/tsx');
  const run = spawnSync(tsx, [script], { encoding: 'utf8', timeout: 60_000 });
  // With the wait's timer unref'd: status 13, stdout '' ("Detected unsettled top-level await"),
  // since better-sqlite3 holds no handle and the event loop empties.
  expect({ status: run.status, stdout: run.stdout.trim() }).toEqual({
    status: 0,
    stdout: expect.stringMatching(/^failed: (WriteWaitExceeded|NestedWriteTransaction)$/),
  });
}, 70_000);

it('opens no transaction for a batch whose only write its timer already failed', async () => {
  const { watchStatements } = await import('../../src/store/dialects/checked-dialect.js');
  const file = join(mkdtempSync(join(tmpdir(), 'clearance-wait-empty-')), 'registry.db');
  const dialect = sqliteDialect({ file, writeWaitLimitMs: 1 });
  opened.push(dialect);
  const seen: string[] = [];
  const stop = watchStatements((s) => seen.push(s));
  // Asked for in the check phase and followed by a busy turn: the next loop's timers phase (the
  // expired limit) comes before its check phase (the batch's setImmediate).
  const { write } = await new Promise<{ write: Promise<unknown> }>((resolve) =>
    setImmediate(() => {
      const w = dialect.writeTransaction(async () => 'never');
      const until = Date.now() + 10;
      while (Date.now() < until);
      resolve({ write: w });
    }),
  );
  await expect(write).rejects.toThrow('waited 1 ms');
  await sleep(20);
  stop();
  // Before: ['begin immediate', 'commit'], the write lock taken for nothing (on PostgreSQL:
  // BEGIN, the advisory lock and a SAVEPOINT, then COMMIT).
  expect(seen).toEqual([]);
});

it('tells the store’s caller a write that waited too long as busy, and writes nothing', async () => {
  const { createStore } = await import('../../src/store/index.js');
  const { isClearanceError } = await import('../../src/domain/index.js');
  const file = join(mkdtempSync(join(tmpdir(), 'clearance-wait-busy-')), 'registry.db');
  const store = await createStore({ engine: 'sqlite', file, writeWaitLimitMs: 100 });
  try {
    const before = await store.read((tx) => tx.audit.size());
    const outcome = await store
      .transaction(() => store.transaction(async () => 'inner'))
      .then(
        () => 'ran',
        (error: unknown) => (isClearanceError(error) ? error.code : String(error)),
      );
    expect(outcome).toBe('busy');
    expect(await store.read((tx) => tx.audit.size())).toBe(before);
  } finally {
    await store.close();
  }
});

it('waits as long as the writeWaitLimitSeconds config key says, through the composed registry', async () => {
  const { openRegistry } = await import('../../src/compose.js');
  const { loadConfig } = await import('../../src/config.js');
  const { isClearanceError } = await import('../../src/domain/index.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'clearance-wait-config-'));
  const config = loadConfig({
    env: { CLEARANCE_WRITE_WAIT_LIMIT_SECONDS: '1' },
    flags: { dataDir },
  });
  expect(config.writeWaitLimitSeconds).toBe(1);
  const registry = await openRegistry(config, { warn: () => undefined });
  try {
    const { store } = registry.deps;
    const before = await store.read((tx) => tx.audit.size());
    const started = Date.now();
    const outcome = await store
      .transaction(() => store.transaction(async () => 'inner'))
      .then(
        () => 'ran',
        (error: unknown) => (isClearanceError(error) ? error.code : String(error)),
      );
    const waited = Date.now() - started;
    expect(outcome).toBe('busy');
    // The default (30 s) would still be waiting; the configured second has passed.
    expect(waited).toBeGreaterThanOrEqual(1000);
    expect(waited).toBeLessThan(15_000);
    expect(await store.read((tx) => tx.audit.size())).toBe(before);
  } finally {
    await registry.close();
  }
}, 30_000);
