/**
 * The composition root: the only place that builds adapters. Everything is made from Config, so
 * the CLI, the server and the tests wire the same way.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { AppDeps, Clock, IdGenerator, Store } from './app/index.js';
import type { Config } from './config.js';
import { ClearanceError } from './domain/index.js';
import { FileBlobStore } from './evidence/file-blob-store.js';
import { StoredEvidenceLoader } from './evidence/stored-evidence-loader.js';
import { createStore, type StoreConfig } from './store/index.js';

export interface Registry {
  config: Config;
  store: Store;
  deps: AppDeps;
  close(): Promise<void>;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * UUIDv7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then random bits, so ids sort by creation
 * time in indexes and listings without a separate sequence.
 */
export function uuidV7(clock: Clock = systemClock): IdGenerator {
  return {
    next() {
      const bytes = randomBytes(16);
      let ms = clock.now().getTime();
      for (let i = 5; i >= 0; i--) {
        bytes[i] = ms % 256;
        ms = Math.floor(ms / 256);
      }
      bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
      bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
      const hex = bytes.toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
  };
}

/** `sqlite:<file>` (relative to the working directory) or a `postgres://` / `postgresql://` URL. */
export function storeConfigFor(config: Config): StoreConfig {
  const { database } = config;
  if (/^postgres(ql)?:\/\//.test(database)) return { engine: 'postgres', url: database };
  if (database.startsWith('sqlite:')) {
    const file = resolve(database.slice('sqlite:'.length));
    mkdirSync(dirname(file), { recursive: true });
    return {
      engine: 'sqlite',
      file,
      synchronous: config.sqliteSynchronous === 'full' ? 'FULL' : 'NORMAL',
    };
  }
  throw new ClearanceError(
    'invalid_input',
    `Database "${database}" is neither sqlite: nor postgres://.`,
    {
      problems: [
        {
          message: 'The database setting names the engine by its prefix.',
          fix: 'Use sqlite:.clearance/clearance.db or postgres://user@host:5432/db.',
        },
      ],
    },
  );
}

/** Opens the store (running migrations) and builds the use cases' dependencies. */
export async function openRegistry(config: Config): Promise<Registry> {
  const store = await createStore(storeConfigFor(config));
  const blobs = new FileBlobStore(join(resolve(config.dataDir), 'blobs'));
  const deps: AppDeps = {
    store,
    blobs,
    evidenceLoader: new StoredEvidenceLoader(blobs),
    clock: systemClock,
    ids: uuidV7(),
  };
  return { config, store, deps, close: () => store.close() };
}
