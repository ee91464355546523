import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Config } from '../config.js';
import { ClearanceError } from '../domain/index.js';
import type { StoreConfig } from '../store/index.js';

/** `sqlite:<file>` (relative to the working directory) or a `postgres://` / `postgresql://` URL. */
export function storeConfigFor(config: Config): StoreConfig {
  const { database } = config;
  const writeWaitLimitMs = config.writeWaitLimitSeconds * 1000;
  if (/^postgres(ql)?:\/\//.test(database)) {
    return { engine: 'postgres', url: database, writeWaitLimitMs };
  }
  if (database.startsWith('sqlite:')) {
    const file = resolve(database.slice('sqlite:'.length));
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    return {
      engine: 'sqlite',
      file,
      synchronous: config.sqliteSynchronous === 'full' ? 'FULL' : 'NORMAL',
      writeWaitLimitMs,
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
