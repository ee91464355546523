/**
 * The content addressing every blob store shares: `sha256:<64 lowercase hex>`, and the refusal of
 * bytes that no longer hash to their address.
 */
import { createHash } from 'node:crypto';
import { ClearanceError } from '../domain/index.js';

const digestPattern = /^sha256:([0-9a-f]{64})$/;

/** The hex part of a blob digest; `invalid_input` for anything else. */
export function parseBlobDigest(digest: string): string {
  const hex = digestPattern.exec(digest)?.[1];
  if (hex === undefined) {
    throw new ClearanceError(
      'invalid_input',
      `"${digest}" is not a blob digest; expected sha256: followed by 64 lowercase hex digits`,
    );
  }
  return hex;
}

/** Lowercase hex SHA-256 of the bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Throws `invalid_evidence` unless `bytes` still hash to the blob's address `hex`. */
export function assertBlobIntact(digest: string, hex: string, bytes: Uint8Array): void {
  const actual = sha256Hex(bytes);
  if (actual !== hex) {
    throw new ClearanceError(
      'invalid_evidence',
      `Blob ${digest} is corrupted: its bytes now hash to sha256:${actual}; restore it from a backup`,
    );
  }
}
