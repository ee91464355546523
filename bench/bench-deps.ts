/** What the registry benchmarks share: wall-clock timing and the app's deps over a store. */
import { join } from 'node:path';
import type { AppDeps, Store } from '../src/app/index.js';
import { apiTokenIssuer } from '../src/auth/index.js';
import { systemClock, uuidV7 } from '../src/compose.js';
import { FileBlobStore } from '../src/evidence/file-blob-store.js';
import { StoredEvidenceLoader } from '../src/evidence/stored-evidence-loader.js';

/** Seconds `work` takes, by the monotonic clock. */
export async function timeIt(work: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** The use cases' deps over `store`, with blobs under `dir`. */
export function depsFor(store: Store, dir: string): AppDeps {
  const blobs = new FileBlobStore(join(dir, 'blobs'));
  return {
    store,
    blobs,
    evidenceLoader: new StoredEvidenceLoader(blobs),
    clock: systemClock,
    ids: uuidV7(),
    tokens: apiTokenIssuer,
  };
}
