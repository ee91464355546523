/**
 * Runs gates on this thread, with no budget: for tests of the use cases and local one-off
 * commands. Evidence is held in memory, or unpacked to a temporary directory when it is large. The server uses the worker pool, which runs the very same code off its event loop.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlobStore, GateRunInput, GateRunner } from '../app/index.js';
import type { GateResult } from '../domain/index.js';
import { evaluateMaterialisedRun, isHeldInMemory, materialiseRun } from './materialised-run.js';

export class InProcessGateRunner implements GateRunner {
  constructor(private readonly blobs: BlobStore) {}

  async run(input: GateRunInput): Promise<GateResult[]> {
    if (isHeldInMemory(input)) {
      return evaluateMaterialisedRun(await materialiseRun(this.blobs, input));
    }
    const dir = await mkdtemp(join(tmpdir(), 'clearance-gate-run-'));
    try {
      return await evaluateMaterialisedRun(await materialiseRun(this.blobs, input, dir));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
