import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config.js';
import { auditKeyFile } from './load-audit-signer.js';
import { storeConfigFor } from './store-config-for.js';

/** Where `secureDataFiles` reports a mode it had to tighten, and the store a trigger mode. */
export type Warn = (message: string) => void;

export const warnOnStderr: Warn = (message) => process.emitWarning(message, 'SecurityWarning');

/** Sets `mode` on `path` if it exists with any group or other bit set, and says so. */
function tighten(path: string, mode: number, warn: Warn): void {
  let current: number;
  try {
    current = statSync(path).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if ((current & 0o077) === 0) return;
  chmodSync(path, mode);
  warn(
    `${path} was mode ${current.toString(8).padStart(4, '0')}, readable by other users; set it to ${mode.toString(8).padStart(4, '0')}.`,
  );
}

/**
 * Owner-only modes for everything that holds secrets or records: the data directory and its
 * blob directory 0700; the SQLite file with its -wal and -shm, the audit signing key (and a
 * pending `.next` key) and `install-id` 0600. Creates the directories and the empty SQLite file
 * with these modes (SQLite gives -wal and -shm the database file's mode), and tightens existing
 * ones that are looser, with a warning each.
 */
export function secureDataFiles(config: Config, warn: Warn = warnOnStderr): void {
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  tighten(dataDir, 0o700, warn);
  const blobs = join(dataDir, 'blobs');
  mkdirSync(blobs, { recursive: true, mode: 0o700 });
  tighten(blobs, 0o700, warn);
  const store = storeConfigFor(config);
  if (store.engine === 'sqlite') {
    closeSync(openSync(store.file, 'a', 0o600));
    for (const suffix of ['', '-wal', '-shm']) tighten(`${store.file}${suffix}`, 0o600, warn);
  }
  const keyFile = auditKeyFile(config);
  for (const file of [keyFile, `${keyFile}.next`, join(dirname(keyFile), 'install-id')]) {
    tighten(file, 0o600, warn);
  }
}
