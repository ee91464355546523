/** What the registry benchmarks share: wall-clock timing and the app's deps over a store. */
import { join } from 'node:path';
import type { Store } from '../src/app/index.js';
import { appDeps, gateRunBudgets } from '../src/compose.js';
import { loadConfig } from '../src/config.js';
import { FileBlobStore } from '../src/evidence/file-blob-store.js';

/** Seconds `work` takes, by the monotonic clock. */
export async function timeIt(work: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** The use cases' deps over `store`, with blobs under `dir`, wired as `clearance serve` does. */
export function depsFor(store: Store, dir: string): ReturnType<typeof appDeps> {
  return appDeps(
    store,
    new FileBlobStore(join(dir, 'blobs')),
    gateRunBudgets(loadConfig({ env: {} })),
  );
}
