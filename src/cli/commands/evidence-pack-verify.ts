/**
 * `clearance evidence-pack verify FILE`: checks a pack offline (a directory written by `export`,
 * or its .tar.gz) against a pinned verifier key. Exit 0 valid, 1 invalid (each failure named),
 * 2 unreadable, a malformed pin, or no key pinned.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import {
  type EvidencePackVerification,
  evidencePackArchiveFiles,
  type PinnedKey,
  verifyEvidencePack,
} from '../../app/index.js';
import { ClearanceError } from '../../domain/index.js';
import { toJson } from '../check-report.js';
import { exitCodes } from '../exit-codes.js';
import type { Io } from '../lazy.js';

function unreadable(message: string, fix: string): ClearanceError {
  return new ClearanceError('invalid_input', message, { problems: [{ message, fix }] });
}

/** The archive reader knows bytes, not paths: its refusal names the file here. */
function namingFile(path: string, error: unknown): unknown {
  if (!(error instanceof ClearanceError) || error.code !== 'invalid_input') return error;
  const [problem] = error.problems;
  const message = `${path}: ${error.message}`;
  return new ClearanceError('invalid_input', message, {
    problems: [{ message, fix: problem?.fix ?? 'Download the pack again.' }],
    cause: error,
  });
}

async function packFiles(path: string): Promise<Map<string, Uint8Array>> {
  const info = await stat(path).catch(() => undefined);
  if (!info)
    throw unreadable(
      `Cannot read ${path}: no such file or directory.`,
      'Pass the directory or .tar.gz that `clearance evidence-pack export` wrote.',
    );
  if (!info.isDirectory()) {
    const archive = new Uint8Array(await readFile(path));
    return evidencePackArchiveFiles(archive).catch((error: unknown) => {
      throw namingFile(path, error);
    });
  }
  const files = new Map<string, Uint8Array>();
  for (const entry of await readdir(path, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    files.set(relative(path, file).split(sep).join('/'), new Uint8Array(await readFile(file)));
  }
  return files;
}

function pinnedKey(o: { key: string[]; keyFingerprint?: string }): PinnedKey {
  if (o.key.length > 0 && o.keyFingerprint !== undefined)
    throw unreadable(
      '--key and --key-fingerprint cannot be combined.',
      'Pin the key itself (--key) or its fingerprint (--key-fingerprint), not both.',
    );
  if (o.key.length > 0) return { keys: o.key };
  if (o.keyFingerprint !== undefined) {
    // Malformed, it could never match: a bad flag value (exit 2), not an invalid pack (exit 1).
    if (!/^sha256:[0-9a-f]{64}$/i.test(o.keyFingerprint.trim()))
      throw unreadable(
        `--key-fingerprint "${o.keyFingerprint}" is not sha256:<64 hex digits>.`,
        "Pin the fingerprint of the key you trust: `tr -d '\\n' < audit/verifier-key.txt | sha256sum`, prefixed with sha256:.",
      );
    return { fingerprint: o.keyFingerprint };
  }
  throw unreadable(
    'No verifier key pinned: a pack is only as trustworthy as the key its checkpoint is checked with.',
    'Pass --key with the verifier key `clearance serve` prints, or --key-fingerprint with its sha256 fingerprint.',
  );
}

function render(file: string, r: EvidencePackVerification): string {
  const lines = [
    `Evidence pack ${file} (${r.model} ${r.version}, ${r.packDigest}): ${r.valid ? 'VALID' : 'INVALID'}`,
  ];
  for (const c of r.checks) {
    lines.push(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.check.replace('_', ' ')}: ${c.summary}`);
    if (c.failures.length > 1 || (c.failures.length === 1 && c.failures[0] !== c.summary))
      for (const f of c.failures) lines.push(`         - ${f}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function verifyPackCommand(
  io: Io,
  file: string,
  o: { key: string[]; keyFingerprint?: string; format: string },
): Promise<number> {
  const pinned = pinnedKey(o);
  const report = verifyEvidencePack(await packFiles(file), pinned);
  io.stdout.write(o.format === 'json' ? `${toJson({ file, ...report })}\n` : render(file, report));
  return report.valid ? exitCodes.ok : exitCodes.denied;
}
