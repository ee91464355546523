import { createPublicKey, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  type AuditSigner,
  assertRotationReason,
  rotateAuditKey,
  type StoredCheckpoint,
} from '../app/index.js';
import {
  formatVerifierKey,
  generateSigningKey,
  handoverOf,
  type KeyHandover,
  parseCheckpoint,
} from '../audit/index.js';
import type { Config } from '../config.js';
import { ClearanceError } from '../domain/index.js';
import type { Registry } from './registry.js';

/**
 * The audit signing key and log origin. The key is `auditSigningKeyFile`, or
 * `<dataDir>/audit-signing-key.pem`; the install id is the `install-id` file beside it, so sharing
 * one directory (or one key file setting) gives several servers one origin and one key. Both are
 * created on first start, atomically (write a temporary file, then hard-link it into place), so
 * servers starting together agree on whichever was linked first.
 */
export function loadAuditSigner(config: Config): AuditSigner {
  const keyFile = auditKeyFile(config);
  const installId = createOnce(join(dirname(keyFile), 'install-id'), () =>
    randomBytes(12).toString('base64url'),
  ).trim();
  if (!/^[A-Za-z0-9_-]+$/.test(installId)) {
    throw new ClearanceError(
      'invalid_input',
      `The install-id beside ${keyFile} is not a plain id: "${installId}".`,
    );
  }
  const origin = `clearance/${installId}`;
  const pem = createOnce(keyFile, () => generateSigningKey(origin).privateKey);
  return signerFromPem({ origin, pem, file: keyFile });
}

export function auditKeyFile(config: Config): string {
  return resolve(config.auditSigningKeyFile || join(config.dataDir, 'audit-signing-key.pem'));
}

function signerFromPem(input: { origin: string; pem: string; file: string }): AuditSigner {
  let publicKey: Uint8Array;
  try {
    const der = createPublicKey(input.pem).export({ format: 'der', type: 'spki' });
    publicKey = new Uint8Array(der.subarray(der.length - 32));
  } catch (cause) {
    throw new ClearanceError(
      'invalid_input',
      `The audit signing key ${input.file} is not a PEM key.`,
      {
        cause,
        problems: [{ message: 'Unreadable key.', fix: 'Restore the key file from backup.' }],
      },
    );
  }
  return {
    origin: input.origin,
    note: { name: input.origin, privateKey: input.pem },
    verifierKey: formatVerifierKey(input.origin, publicKey),
  };
}

/**
 * Rotates the audit signing key (audit/key-rotation.ts): a new key is written beside the current
 * one as `<key file>.next` (kept if it is already there, so an interrupted rotation resumes with
 * the same key), the database records the handover, and only then the files are swapped: the old
 * key moves to `<key file>.retired-<time>` and the new one takes its name. A crash before the swap
 * leaves the server refusing to sign with the retired key, never signing with both.
 */
export async function rotateAuditSigningKey(
  registry: Registry,
  input: { reason: string },
): Promise<{ retired: string; next: string; checkpoint: StoredCheckpoint }> {
  assertRotationReason(input.reason);
  const keyFile = auditKeyFile(registry.config);
  const current = registry.auditSigner;
  const nextFile = `${keyFile}.next`;
  const origin = current.origin;
  const next = signerFromPem({
    origin,
    pem: createOnce(nextFile, () => generateSigningKey(origin).privateKey),
    file: nextFile,
  });
  const latest = await registry.store.read((tx) => tx.checkpoints.latest());
  const pending = latest === undefined ? undefined : handoverFromNote(latest.note);
  // Resuming: the database already handed over to this very key; only the files remain.
  const done = pending?.retired === current.verifierKey && pending.next === next.verifierKey;
  const checkpoint =
    done && latest
      ? latest
      : (await rotateAuditKey(registry.deps, { current, next, reason: input.reason })).checkpoint;
  // Keep the old key under a second name, then replace the key file in one rename: at no
  // instant is there no key file (a start then would create an unrelated key).
  const stamp = registry.deps.clock.now().toISOString().replace(/[:.]/g, '');
  linkSync(keyFile, `${keyFile}.retired-${stamp}`);
  renameSync(nextFile, keyFile);
  return { retired: current.verifierKey, next: next.verifierKey, checkpoint };
}

function handoverFromNote(note: string): KeyHandover | undefined {
  try {
    return handoverOf(parseCheckpoint(note.slice(0, note.lastIndexOf('\n\n') + 1)));
  } catch {
    return undefined;
  }
}

/** Reads `file`, or creates it (mode 0600) with `make()` if it does not exist yet. */
function createOnce(file: string, make: () => string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, make(), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
  return readFileSync(file, 'utf8');
}
