/**
 * `audit prove|export|checkpoint --server`: the same commands through the API, for people without
 * the database — `prove` and `export` need the auditor or admin role (they carry entries),
 * `checkpoint` the admin role. What the server answers is checked here, not trusted.
 */

import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { z } from 'zod';
import type { CheckpointView, InclusionProofView } from '../../app/index.js';
import { formatExportEntry, formatExportHeader } from '../../audit/index.js';
import { ClearanceError } from '../../domain/index.js';
import { createProgress } from '../progress.js';
import type { ServerConnection } from '../server-flags.js';
import { fetchEntries, parsed } from './audit-verify-server.js';

const checkpointShape = z.object({
  origin: z.string(),
  size: z.number().int().nonnegative(),
  rootHash: z.string(),
  note: z.string(),
  createdAt: z.string(),
  verifierKey: z.string(),
});

const proofShape = z.object({
  seq: z.number().int().nonnegative(),
  treeSize: z.number().int().nonnegative(),
  entry: z.record(z.string(), z.unknown()),
  leafHash: z.string(),
  proof: z.array(z.string()),
  checkpoint: checkpointShape,
});

export async function proveThroughServer(
  connection: ServerConnection,
  input: { seq: number; size?: number },
): Promise<InclusionProofView> {
  const answer = await connection.client.call(
    'GET',
    `/api/v1/audit/proofs/inclusion/${input.seq}`,
    {
      query: { size: input.size === undefined ? undefined : String(input.size) },
    },
  );
  // The entry stays as served: assertProofVerifies holds it to its leaf hash before use.
  return parsed(proofShape, answer, 'inclusion proof') as unknown as InclusionProofView;
}

export async function checkpointThroughServer(
  connection: ServerConnection,
): Promise<{ signed: boolean; checkpoint: CheckpointView }> {
  const answer = await connection.client.call('POST', '/api/v1/audit/checkpoints');
  return parsed(
    z.object({ signed: z.boolean(), checkpoint: checkpointShape }),
    answer,
    'signed checkpoint',
  );
}

export interface ServerExport {
  /** The log size the export covers: the newest signed checkpoint's. */
  size: number;
  /** Entries received; fewer than `size` when the server's log is missing some. */
  entries: number;
  checkpoints: number;
}

function noCheckpoint(server: string): ClearanceError {
  const message = `The audit log at ${server} has no signed checkpoint yet.`;
  return new ClearanceError('precondition_failed', message, {
    problems: [
      { message, fix: 'Ask an admin to sign one: `clearance audit checkpoint --server`.' },
    ],
  });
}

/** Every signed checkpoint note the server holds (GET /audit/checkpoints). */
export async function checkpointNotesThroughServer(
  connection: ServerConnection,
): Promise<string[]> {
  const { checkpoints } = parsed(
    z.object({ checkpoints: z.array(checkpointShape) }),
    await connection.client.call('GET', '/api/v1/audit/checkpoints'),
    'checkpoint list',
  );
  return checkpoints.map((c) => c.note);
}

/**
 * Writes a clearance-audit-export/v1 file of the log up to its newest signed checkpoint, with
 * every signed checkpoint, from GET /audit/checkpoints and pages of GET /audit/entries. Entries
 * and hashes are written as served, so `audit verify --file` judges what the server said.
 */
export async function exportThroughServer(
  connection: ServerConnection,
  file: string,
): Promise<ServerExport> {
  const { checkpoints } = parsed(
    z.object({ checkpoints: z.array(checkpointShape) }),
    await connection.client.call('GET', '/api/v1/audit/checkpoints'),
    'checkpoint list',
  );
  const sorted = [...checkpoints].sort((a, b) => a.size - b.size);
  const latest = sorted.at(-1);
  if (!latest) throw noCheckpoint(connection.server);
  // Written beside the target and renamed into place when complete: a failure never leaves a
  // half export, nor removes a file that was there before.
  const temporary = `${file}.${randomBytes(6).toString('hex')}.partial`;
  const out = createWriteStream(temporary, { flags: 'wx' });
  let failure: unknown;
  out.on('error', (error) => {
    failure = error;
  });
  const write = async (line: string) => {
    if (failure !== undefined) throw failure;
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  const progress = createProgress('exporting audit log');
  let entries = 0;
  let complete = false;
  try {
    await write(
      formatExportHeader({
        origin: latest.origin,
        size: latest.size,
        exportedAt: new Date().toISOString(),
        verifierKeys: [...new Set(sorted.map((c) => c.verifierKey))],
        checkpoints: sorted.map((c) => c.note),
      }),
    );
    for await (const logged of fetchEntries(connection.client, { progress, upTo: latest.size })) {
      if (logged.leafHash.length !== 32)
        throw new ClearanceError(
          'invalid_input',
          `The server's leaf hash of entry ${entries} is not a base64 SHA-256 hash.`,
        );
      await write(formatExportEntry(logged));
      entries += 1;
    }
    complete = true;
  } finally {
    progress.finish();
    if (!out.destroyed) {
      out.end();
      await once(out, 'close');
    }
    if (complete && failure === undefined) await rename(temporary, file);
    else await rm(temporary, { force: true });
  }
  if (failure !== undefined) throw failure;
  return { size: latest.size, entries, checkpoints: sorted.length };
}
