import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { ClearanceError } from '../../src/domain/index.js';

const dirs: string[] = [];

/** A fresh directory under os.tmpdir(), removed after the test file. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'clearance-evidence-'));
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

export async function writeTemp(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(await tempDir(), name);
  await writeFile(path, content);
  return path;
}

/** Awaits a rejection and returns the ClearanceError, failing the test on anything else. */
export async function refusal(promise: Promise<unknown>): Promise<ClearanceError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ClearanceError) return error;
    throw error;
  }
  throw new Error('expected a ClearanceError, but the call succeeded');
}
