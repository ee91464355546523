/**
 * The audit log through the API, for auditors without the database: what the server answers is
 * parsed and checked here, never trusted. `verifyServedLog` runs the same pure `verifyLog` as
 * `audit verify --file`; only the pinned key (`--key`) is trusted, and without one the report says
 * the server named the key itself.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { z } from 'zod';
import type { InclusionProofView } from '../../app/index.js';
import {
  checkAuditEntry,
  formatExportEntry,
  formatExportHeader,
  type LoggedAuditEntry,
  verifyLog,
} from '../../audit/index.js';
import { ClearanceError } from '../../domain/index.js';
import { newestNote } from '../commands/audit-state-output.js';
import { createProgress, type Progress } from '../progress.js';
import type { AuditExport, ServedLogVerification } from './cli-registry.js';

/** One GET of the API, answered as JSON (refusals already thrown as ClearanceErrors). */
export type ApiGet = (
  path: '/api/v1/audit/checkpoints' | '/api/v1/audit/entries',
  query?: { from: number; limit: number },
) => Promise<unknown>;

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

const checkpointList = z.object({ checkpoints: z.array(checkpointShape) });

const entryPage = z.object({
  size: z.number().int().nonnegative(),
  // Entries stay unknown here: verifyLog checks each one and names the first malformed seq.
  entries: z.array(z.object({ entry: z.unknown(), leafHash: z.string() })),
  next: z.number().int().nonnegative().nullable(),
});

const pageLimit = 1000;

function parsed<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ClearanceError('invalid_input', `The server's ${what} is malformed.`, {
    problems: result.error.issues.map((issue) => ({
      message: `${issue.path.join('.') || '(root)'}: ${issue.message}`,
      fix: 'Check that --server points at a Clearance server.',
    })),
  });
}

/**
 * The served proof, its entry checked against the closed audit entry shape (every problem named);
 * assertProofVerifies then holds the entry to its leaf hash before anyone sees it.
 */
export function parseInclusionProof(answer: unknown): InclusionProofView {
  const proof = parsed(proofShape, answer, 'inclusion proof');
  const entry = checkAuditEntry(proof.entry);
  if (!entry.ok)
    throw new ClearanceError('invalid_input', "The server's inclusion proof is malformed.", {
      problems: entry.problems.map((problem) => ({
        message: `entry: ${problem}`,
        fix: 'Check that --server points at a Clearance server.',
      })),
    });
  return { ...proof, entry: entry.entry };
}

export async function servedCheckpoints(get: ApiGet) {
  const { checkpoints } = parsed(
    checkpointList,
    await get('/api/v1/audit/checkpoints'),
    'checkpoint list',
  );
  return checkpoints;
}

/**
 * Pages through GET /api/v1/audit/entries up to the size seen on the first page (or `upTo`, if
 * smaller), so entries appended while reading do not move the goal (every fetched checkpoint is
 * no larger).
 */
async function* servedEntries(
  get: ApiGet,
  options: { progress?: Progress | undefined; upTo?: number } = {},
): AsyncGenerator<LoggedAuditEntry> {
  const { progress, upTo } = options;
  let from = 0;
  let size: number | undefined;
  for (;;) {
    const page = parsed(
      entryPage,
      await get('/api/v1/audit/entries', { from, limit: pageLimit }),
      `audit entry page from ${from}`,
    );
    size ??= upTo === undefined ? page.size : Math.min(upTo, page.size);
    for (const item of page.entries) {
      if (from >= size) return;
      // A malformed hash becomes a leaf-hash mismatch in verifyLog, named by seq.
      yield { entry: item.entry as LoggedAuditEntry['entry'], leafHash: base64(item.leafHash) };
      from += 1;
    }
    progress?.update(Math.min(from, size), size);
    // Continue from what was received, not from `next`: a short page cannot skip entries.
    if (page.next === null || from >= size || page.entries.length === 0) return;
  }
}

function base64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

export async function verifyServedLog(
  get: ApiGet,
  options: {
    server: string;
    keys: string[];
    origin?: string;
    since?: string;
    progress: Progress;
  },
): Promise<ServedLogVerification> {
  // Checkpoints first: each covers at most the entries that exist when the paging starts.
  const checkpoints = await servedCheckpoints(get);
  const served = [...new Set(checkpoints.map((c) => c.verifierKey))];
  const keys = options.keys.length > 0 ? options.keys : served;
  const origin = options.origin ?? checkpoints[0]?.origin ?? '';
  const result = await verifyLog({
    entries: servedEntries(get, { progress: options.progress }),
    checkpoints: checkpoints.map((c) => c.note),
    verifierKeys: keys,
    ...(origin === '' ? {} : { origin }),
    ...(options.since === undefined ? {} : { since: options.since }),
  });
  options.progress.finish();
  const newest = result.ok ? newestNote(checkpoints.map((c) => c.note)) : undefined;
  return {
    server: options.server,
    origin,
    verifierKeys: keys,
    keysPinned: options.keys.length > 0,
    checkpoints: checkpoints.length,
    ...(newest === undefined ? {} : { newestCheckpoint: newest }),
    result,
  };
}

function noCheckpoint(server: string): ClearanceError {
  const message = `The audit log at ${server} has no signed checkpoint yet.`;
  return new ClearanceError('precondition_failed', message, {
    problems: [
      { message, fix: 'Ask an admin to sign one: `clearance audit checkpoint --server`.' },
    ],
  });
}

/**
 * Writes a clearance-audit-export/v1 file of the log up to its newest signed checkpoint, with
 * every signed checkpoint, from GET /audit/checkpoints and pages of GET /audit/entries. Entries
 * and hashes are written as served, so `audit verify --file` judges what the server said.
 */
export async function exportServedLog(
  get: ApiGet,
  input: { server: string; file: string },
): Promise<AuditExport> {
  const { file } = input;
  const sorted = [...(await servedCheckpoints(get))].sort((a, b) => a.size - b.size);
  const latest = sorted.at(-1);
  if (!latest) throw noCheckpoint(input.server);
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
    for await (const logged of servedEntries(get, { progress, upTo: latest.size })) {
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
