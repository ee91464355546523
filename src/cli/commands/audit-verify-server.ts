/**
 * `clearance audit verify --server`: an auditor without database access fetches the log and its
 * signed checkpoints through the API and runs the same pure `verifyLog` as `--file`. Only the
 * pinned key (`--key`) is trusted; without one, the key the server names is used and the report
 * says so.
 */
import { z } from 'zod';
import { type LoggedAuditEntry, type LogVerification, verifyLog } from '../../audit/index.js';
import { loadConfig } from '../../config.js';
import { ClearanceError } from '../../domain/index.js';
import { toJson } from '../check-report.js';
import { exitCodes } from '../exit-codes.js';
import { type ClearanceClient, createClient } from '../http-client.js';
import { createProgress, type Progress } from '../progress.js';
import {
  newestNote,
  readKeptCheckpoint,
  renderStateCheck,
  saveKeptCheckpoint,
  stateCheckOk,
} from './audit-state-output.js';

export interface ServerAuditVerifyReport {
  server: string;
  origin: string;
  verifierKeys: string[];
  keysPinned: boolean;
  checkpoints: number;
  /** The newest checkpoint note, when the log verified: keep it for the next `--since`. */
  newestCheckpoint?: string;
  result: LogVerification;
}

const checkpointList = z.object({
  checkpoints: z.array(z.object({ origin: z.string(), note: z.string(), verifierKey: z.string() })),
});

const entryPage = z.object({
  size: z.number().int().nonnegative(),
  // Entries stay unknown here: verifyLog checks each one and names the first malformed seq.
  entries: z.array(z.object({ entry: z.unknown(), leafHash: z.string() })),
  next: z.number().int().nonnegative().nullable(),
});

const stateCheck = z.object({
  checkedAt: z.string(),
  auditEntries: z.number().int().nonnegative(),
  disagreements: z.array(
    z.object({
      table: z.enum([
        'models',
        'versions',
        'version_states',
        'serving',
        'transition_requests',
        'approvals',
      ]),
      key: z.string(),
      field: z.string(),
      expected: z.string().nullable(),
      found: z.string().nullable(),
    }),
  ),
  problems: z.array(z.string()),
});

const pageLimit = 1000;

export function parsed<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
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
 * Pages through GET /api/v1/audit/entries up to the size seen on the first page (or `upTo`, if
 * smaller), so entries appended while reading do not move the goal (every fetched checkpoint is
 * no larger).
 */
export async function* fetchEntries(
  client: ClearanceClient,
  options: { progress?: Progress | undefined; upTo?: number } = {},
): AsyncGenerator<LoggedAuditEntry> {
  const { progress, upTo } = options;
  let from = 0;
  let size: number | undefined;
  for (;;) {
    const query = { from: String(from), limit: String(pageLimit) };
    const page = parsed(
      entryPage,
      await client.call('GET', '/api/v1/audit/entries', { query }),
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

async function verifyServerAudit(options: {
  client: ClearanceClient;
  server: string;
  keys: string[];
  origin?: string;
  since?: string | undefined;
  progress?: Progress;
}): Promise<ServerAuditVerifyReport> {
  // Checkpoints first: each covers at most the entries that exist when the paging starts.
  const { checkpoints } = parsed(
    checkpointList,
    await options.client.call('GET', '/api/v1/audit/checkpoints'),
    'checkpoint list',
  );
  const served = [...new Set(checkpoints.map((c) => c.verifierKey))];
  const keys = options.keys.length > 0 ? options.keys : served;
  const origin = options.origin ?? checkpoints[0]?.origin ?? '';
  const result = await verifyLog({
    entries: fetchEntries(options.client, { progress: options.progress }),
    checkpoints: checkpoints.map((c) => c.note),
    verifierKeys: keys,
    ...(origin === '' ? {} : { origin }),
    ...(options.since === undefined ? {} : { since: options.since }),
  });
  options.progress?.finish();
  return {
    server: options.server,
    origin,
    verifierKeys: keys,
    keysPinned: options.keys.length > 0,
    checkpoints: checkpoints.length,
    ...(result.ok ? newestOf(checkpoints.map((c) => c.note)) : {}),
    result,
  };
}

function renderServerAuditVerify(report: ServerAuditVerifyReport): string {
  const { result } = report;
  const pin = report.keysPinned
    ? ''
    : '\nNote: verified with the key the server itself names; pass --key to pin the key you trust.';
  const log = `Audit log ${report.origin || '(no checkpoint)'} at ${report.server}`;
  if (result.ok) {
    const root = Buffer.from(result.rootHash).toString('base64');
    const kept =
      result.consistentWithSize === undefined
        ? ''
        : ` Consistent with the checkpoint you kept (size ${result.consistentWithSize}).`;
    return `${log} verifies: ${result.size} entries, root ${root}; ${result.checkpointedSize} covered by ${report.checkpoints} signed checkpoint(s).${kept}${pin}\n`;
  }
  const where = result.firstBadSeq === null ? 'a checkpoint' : `entry ${result.firstBadSeq}`;
  return `${log} does NOT verify (${result.kind}) at ${where}: ${result.reason}${pin}\n`;
}

export interface AuditVerifyFlags {
  /** `true` for `--server` alone: CLEARANCE_SERVER or the configured server. */
  server?: string | true;
  token?: string;
  key: string[];
  origin?: string;
  format: string;
  /** A checkpoint file kept from an earlier verification. */
  since?: string;
  /** Check the database rows against the log too. */
  state?: boolean;
  /** Where to keep the newest verified checkpoint for the next `--since`. */
  saveCheckpoint?: string;
}

function newestOf(notes: readonly string[]): { newestCheckpoint?: string } {
  const note = newestNote(notes);
  return note === undefined ? {} : { newestCheckpoint: note };
}

/** `audit verify --server`: exits as `--file` does (0 verifies, 1 does not). */
export async function verifyAuditThroughServer(
  o: AuditVerifyFlags & { server: string | true },
  io: { stdout: NodeJS.WritableStream },
): Promise<number> {
  const server = o.server === true ? undefined : o.server;
  const config = loadConfig({ flags: { server, token: o.token } });
  const client = createClient({ server: config.server, token: config.token });
  const report = await verifyServerAudit({
    client,
    server: config.server,
    keys: o.key,
    ...(o.origin ? { origin: o.origin } : {}),
    since: await readKeptCheckpoint(o.since),
    progress: createProgress('verifying audit log'),
  });
  const state = o.state
    ? parsed(stateCheck, await client.call('GET', '/api/v1/audit/state'), 'state check')
    : undefined;
  const { result } = report;
  const json = {
    ...report,
    result: result.ok
      ? { ...result, rootHash: Buffer.from(result.rootHash).toString('base64') }
      : result,
    ...(state ? { state } : {}),
  };
  if (o.format === 'json') io.stdout.write(`${toJson(json)}\n`);
  else {
    io.stdout.write(renderServerAuditVerify(report));
    if (state) io.stdout.write(renderStateCheck(state));
  }
  if (result.ok) await saveKeptCheckpoint(o.saveCheckpoint, report.newestCheckpoint);
  const ok = result.ok && (state === undefined || stateCheckOk(state));
  return ok ? exitCodes.ok : exitCodes.denied;
}
