import { ClearanceError } from '../domain/index.js';
/**
 * The offline export of an audit log: JSON Lines. Line 1 is a header naming the format, the log
 * origin, the verifier keys and every signed checkpoint; each further line is one entry with the
 * leaf hash recorded when it was appended, in seq order. Streams in both directions, so a log of
 * millions of entries is written and verified without holding it in memory.
 */
import { type AuditEntry, assertAuditEntry } from './audit-entry.js';
import type { LoggedAuditEntry } from './verify-log.js';

export const auditExportFormat = 'clearance-audit-export/v1';

export interface AuditExportHeader {
  format: typeof auditExportFormat;
  origin: string;
  size: number;
  exportedAt: string;
  /** The log's C2SP verifier keys, for convenience; an auditor should pin the key they trust. */
  verifierKeys: string[];
  /** Signed checkpoint notes, oldest first. */
  checkpoints: string[];
}

export function formatExportHeader(header: Omit<AuditExportHeader, 'format'>): string {
  return JSON.stringify({ format: auditExportFormat, ...header });
}

export function formatExportEntry(logged: LoggedAuditEntry): string {
  return JSON.stringify({ entry: logged.entry, leafHash: toHex(logged.leafHash) });
}

function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function bad(line: number, message: string): ClearanceError {
  return new ClearanceError('invalid_input', `Audit export line ${line}: ${message}`, {
    problems: [{ message, location: { file: 'audit export', line } }],
  });
}

function parseJson(text: string, line: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw bad(line, 'is not valid JSON.');
  }
}

const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((v) => typeof v === 'string');

export function parseExportHeader(text: string): AuditExportHeader {
  const value = parseJson(text, 1) as Partial<AuditExportHeader> | null;
  if (value === null || typeof value !== 'object' || value.format !== auditExportFormat) {
    throw bad(
      1,
      `is not a ${auditExportFormat} header; was this file written by "clearance audit export"?`,
    );
  }
  if (typeof value.origin !== 'string' || !Number.isSafeInteger(value.size)) {
    throw bad(1, 'needs an origin and a whole-number size.');
  }
  if (!isStrings(value.verifierKeys) || !isStrings(value.checkpoints)) {
    throw bad(1, 'needs verifierKeys and checkpoints as lists of text.');
  }
  return value as AuditExportHeader;
}

/**
 * Parses one entry line. A shape error is an input error; a *changed* entry is not — it parses,
 * and the verifier finds that it no longer matches its leaf hash or the signed root.
 */
export function parseExportEntry(text: string, line: number): LoggedAuditEntry {
  const value = parseJson(text, line) as { entry?: unknown; leafHash?: unknown } | null;
  if (value === null || typeof value !== 'object' || typeof value.leafHash !== 'string') {
    throw bad(line, 'needs an entry and a hex leafHash.');
  }
  if (!/^[0-9a-f]{64}$/.test(value.leafHash)) throw bad(line, 'leafHash must be 64 hex digits.');
  const entry: unknown = value.entry;
  try {
    assertAuditEntry(entry);
  } catch (cause) {
    throw bad(line, cause instanceof Error ? cause.message : String(cause));
  }
  return { entry: entry as AuditEntry, leafHash: fromHex(value.leafHash) };
}
