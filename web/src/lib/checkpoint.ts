/**
 * C2SP signed-note checkpoints (tlog-checkpoint) verified in the browser with Web Crypto Ed25519,
 * exactly as the server's `src/audit/signed-note.ts` and `checkpoint.ts` write them:
 * - note: text ending in LF, an empty line, then `— <key name> base64(keyID[4] ‖ signature[64])`
 *   lines (U+2014); the signature covers the text bytes;
 * - verifier key: `name+hex(keyID)+base64(0x01 ‖ public key)`, keyID = SHA-256(name ‖ 0x0A ‖
 *   0x01 ‖ public key)[:4];
 * - checkpoint text: origin, decimal size without leading zeros, base64 root, extension lines.
 */
import { bytesEqual, fromBase64, sha256, toHex } from './bytes.js';

const ed25519Type = 0x01;
const signaturePrefix = '\u2014 ';
const encoder = new TextEncoder();

/** A pinned key: who signs and the raw 32-byte Ed25519 public key. */
export interface VerifierKey {
  name: string;
  keyId: Uint8Array;
  publicKey: Uint8Array;
}

/** The body of a checkpoint. */
export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  extensions: string[];
}

/** Outcome of {@link verifyCheckpoint}: a value, never a throw. */
export type CheckpointCheck =
  | { ok: true; checkpoint: Checkpoint; verifiedBy: string[] }
  | { ok: false; reason: string };

/** Parses a C2SP verifier key and checks its key ID; a string saying why, when it is not one. */
export async function parseVerifierKey(text: string): Promise<VerifierKey | string> {
  const match = /^([^+]*)\+([^+]*)\+(.*)$/s.exec(text.trim());
  const [, name, idHex, keyB64] = match ?? [];
  if (name === undefined || idHex === undefined || keyB64 === undefined) {
    return 'a verifier key is name+keyid+base64 key';
  }
  if (!isName(name)) return `key name "${name}" must be non-empty, without spaces or "+"`;
  const raw = fromBase64(keyB64);
  if (!/^[0-9a-f]{8}$/.test(idHex) || raw?.length !== 33 || raw[0] !== ed25519Type) {
    return `the key for "${name}" is not an Ed25519 verifier key (type 0x01 and 32 bytes)`;
  }
  const publicKey = raw.slice(1);
  const keyId = await computeKeyId(name, publicKey);
  if (toHex(keyId) !== idHex) {
    return `the key for "${name}" has key ID ${idHex}, but its key hashes to ${toHex(keyId)}`;
  }
  return { name, keyId, publicKey };
}

/** keyID = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ publicKey)[:4] — C2SP signed-note. */
async function computeKeyId(name: string, publicKey: Uint8Array): Promise<Uint8Array> {
  const digest = await sha256(encoder.encode(name), new Uint8Array([0x0a, ed25519Type]), publicKey);
  return digest.slice(0, 4);
}

/** Parses a checkpoint body; a string naming the bad line when it is not one. */
export function parseCheckpoint(text: string): Checkpoint | string {
  if (!text.endsWith('\n')) return 'the checkpoint text does not end with a newline';
  const [origin, sizeText, rootText, ...extensions] = text.slice(0, -1).split('\n');
  if (origin === undefined || sizeText === undefined || rootText === undefined) {
    return 'a checkpoint needs an origin, a size and a root hash line';
  }
  if (!isName(origin)) return `the origin line "${origin}" is not a log origin`;
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    return `the size line "${sizeText}" is not a decimal integer without leading zeros`;
  }
  const rootHash = fromBase64(rootText);
  if (rootHash?.length !== 32) return `the root line "${rootText}" is not a base64 SHA-256 hash`;
  if (extensions.some((line) => line.length === 0)) return 'the checkpoint has an empty line';
  return { origin, size: Number(sizeText), rootHash, extensions };
}

/**
 * Verifies a signed checkpoint note against pinned keys (C2SP rules: signatures by unknown keys
 * are ignored, a known key's signature that fails rejects the note, a note no known key signed is
 * rejected) and parses its body. With `origin`, a checkpoint of another log is rejected.
 */
export async function verifyCheckpoint(
  note: string,
  keys: readonly VerifierKey[],
  options: { origin?: string } = {},
): Promise<CheckpointCheck> {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return fail('the note has no empty line before its signatures');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (!block.endsWith('\n')) return fail('the signature block does not end in a newline');
  const verifiedBy: string[] = [];
  for (const line of block.slice(0, -1).split('\n')) {
    const parsed = parseSignatureLine(line);
    if (typeof parsed === 'string') return fail(parsed);
    const key = keys.find((k) => k.name === parsed.name && bytesEqual(k.keyId, parsed.keyId));
    if (key === undefined) continue;
    if (!(await verifyEd25519(key.publicKey, text, parsed.signature))) {
      return fail(`the signature by "${key.name}" does not verify: the text or signature changed`);
    }
    if (!verifiedBy.includes(key.name)) verifiedBy.push(key.name);
  }
  if (verifiedBy.length === 0) return fail('no signature by the pinned key');
  const checkpoint = parseCheckpoint(text);
  if (typeof checkpoint === 'string') return fail(checkpoint);
  if (options.origin !== undefined && checkpoint.origin !== options.origin) {
    return fail(`the checkpoint is for log "${checkpoint.origin}", not "${options.origin}"`);
  }
  return { ok: true, checkpoint, verifiedBy };
}

function parseSignatureLine(
  line: string,
): { name: string; keyId: Uint8Array; signature: Uint8Array } | string {
  if (!line.startsWith(signaturePrefix)) return `signature line "${line}" does not start with "— "`;
  const rest = line.slice(signaturePrefix.length);
  const space = rest.lastIndexOf(' ');
  const name = rest.slice(0, space);
  const blob = space > 0 ? fromBase64(rest.slice(space + 1)) : undefined;
  if (!isName(name) || blob === undefined || blob.length < 5) {
    return `signature line "${line}" is not "— <name> <base64 signature>"`;
  }
  return { name, keyId: blob.slice(0, 4), signature: blob.slice(4) };
}

async function verifyEd25519(
  publicKey: Uint8Array,
  text: string,
  signature: Uint8Array,
): Promise<boolean> {
  if (signature.length !== 64) return false;
  const subtle = globalThis.crypto.subtle;
  const key = await subtle.importKey('raw', Uint8Array.from(publicKey), 'Ed25519', false, [
    'verify',
  ]);
  return subtle.verify('Ed25519', key, Uint8Array.from(signature), encoder.encode(text));
}

function isName(name: string): boolean {
  return name.length > 0 && !/\s|\+/u.test(name);
}

function fail(reason: string): CheckpointCheck {
  return { ok: false, reason };
}
