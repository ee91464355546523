import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import {
  type AuditExportHeader,
  type LoggedAuditEntry,
  type LogVerification,
  parseExportEntry,
  parseExportHeader,
  verifyLog,
} from '../../audit/index.js';
import { ClearanceError } from '../../domain/index.js';
import type { Progress } from '../progress.js';
import { newestNote } from './audit-state-output.js';

export interface AuditVerifyReport {
  file: string;
  origin: string;
  /** Keys the checkpoints were verified with, and whether they were pinned by the caller. */
  verifierKeys: string[];
  keysPinned: boolean;
  /** The newest checkpoint note, when the log verified: keep it for the next `--since`. */
  newestCheckpoint?: string;
  result: LogVerification;
}

async function* entriesOf(lines: AsyncIterator<string>): AsyncGenerator<LoggedAuditEntry> {
  let line = 1;
  for (;;) {
    const next = await lines.next();
    if (next.done) return;
    line++;
    if (next.value.trim() === '') continue;
    yield parseExportEntry(next.value, line);
  }
}

interface ExportVerifyOptions {
  file: string;
  keys: string[];
  origin?: string;
  /** A checkpoint note kept from an earlier verification. */
  since?: string | undefined;
  progress?: Progress;
}

/**
 * The export's parser names a line, not the file (it reads lines from anywhere): its refusal
 * names the file here, as one line.
 */
function namingFile(file: string, error: unknown): unknown {
  if (!(error instanceof ClearanceError) || error.code !== 'invalid_input') return error;
  const [problem] = error.problems;
  if (problem?.location?.file !== 'audit export') return error;
  const message = `${file} line ${problem.location.line} ${problem.message}`;
  return new ClearanceError('invalid_input', message, {
    problems: [{ message, fix: 'Pass a file written by `clearance audit export`.' }],
    cause: error,
  });
}

/** `clearance audit verify --file`: checks an exported log offline, trusting nothing but keys. */
export async function verifyAuditExport(options: ExportVerifyOptions): Promise<AuditVerifyReport> {
  try {
    return await verifyExportFile(options);
  } catch (error) {
    throw namingFile(options.file, error);
  }
}

async function verifyExportFile(options: ExportVerifyOptions): Promise<AuditVerifyReport> {
  try {
    await stat(options.file);
  } catch (cause) {
    throw new ClearanceError('invalid_input', `Cannot read audit export ${options.file}.`, {
      cause,
    });
  }
  const lines = createInterface({ input: createReadStream(options.file), crlfDelay: Infinity });
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done)
    throw new ClearanceError('invalid_input', `Audit export ${options.file} is empty.`);
  const header: AuditExportHeader = parseExportHeader(first.value);
  const keys = options.keys.length > 0 ? options.keys : header.verifierKeys;
  const result = await verifyLog({
    entries: entriesOf(iterator),
    checkpoints: header.checkpoints,
    verifierKeys: keys,
    origin: options.origin ?? header.origin,
    ...(options.since === undefined ? {} : { since: options.since }),
    onProgress: (p) => options.progress?.update(p.entries, header.size),
  });
  options.progress?.finish();
  lines.close();
  const newest = newestNote(header.checkpoints);
  return {
    file: options.file,
    origin: header.origin,
    verifierKeys: keys,
    keysPinned: options.keys.length > 0,
    ...(result.ok && newest !== undefined ? { newestCheckpoint: newest } : {}),
    result,
  };
}

export function renderAuditVerify(report: AuditVerifyReport): string {
  const { result } = report;
  const pin = report.keysPinned
    ? ''
    : '\nNote: verified with the keys stored in the file itself; pass --key to pin the key you trust.';
  if (result.ok) {
    const root = Buffer.from(result.rootHash).toString('base64');
    const kept =
      result.consistentWithSize === undefined
        ? ''
        : ` Consistent with the checkpoint you kept (size ${result.consistentWithSize}).`;
    return `Audit log ${report.origin} verifies: ${result.size} entries, root ${root}; ${result.checkpointedSize} covered by a signed checkpoint.${kept}${pin}\n`;
  }
  const where = result.firstBadSeq === null ? 'a checkpoint' : `entry ${result.firstBadSeq}`;
  return `Audit log ${report.origin} does NOT verify (${result.kind}) at ${where}: ${result.reason}${pin}\n`;
}
