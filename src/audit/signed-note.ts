/**
 * C2SP signed notes (github.com/C2SP/C2SP `signed-note.md`) with Ed25519 keys, via node:crypto.
 *
 * A note is UTF-8 text ending in a newline, an empty line, then one line per signature:
 * `— <key name> <base64(keyID[4] ‖ signature[64])>` (U+2014 em dash). The Ed25519 signature
 * covers the text bytes exactly. keyID = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4].
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { ClearanceError } from '../domain/index.js';

/** Signature type byte of Ed25519 in signed notes. */
const ed25519Type = 0x01;
/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4); the raw key follows. */
const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');
const signaturePrefix = '\u2014 ';
/** C2SP asks verifiers to accept at least 16 signatures; more than this is refused as abuse. */
const maxSignatures = 100;

/** A parsed verifier key: who signs, and the Ed25519 public key (32 raw bytes). */
export interface VerifierKey {
  name: string;
  keyId: Uint8Array;
  publicKey: Uint8Array;
}

/** What signs: a key name and an Ed25519 private key (PKCS#8 PEM text or a KeyObject). */
export interface NoteSigner {
  name: string;
  privateKey: string | KeyObject;
}

/** Outcome of {@link verifyNote}. */
export type NoteVerification =
  | { ok: true; text: string; verifiedBy: string[] }
  | { ok: false; reason: string };

/** keyID = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ publicKey)[:4] — C2SP signed-note, "Signatures". */
export function keyId(name: string, publicKey: Uint8Array): Uint8Array {
  const hash = createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.from([0x0a, ed25519Type]));
  return new Uint8Array(hash.update(publicKey).digest().subarray(0, 4));
}

/** `name+hex(keyID)+base64(0x01 ‖ publicKey)` — the C2SP verifier-key encoding. */
export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  assertKeyName(name);
  if (publicKey.length !== 32)
    throw invalid(`An Ed25519 public key has 32 bytes, not ${publicKey.length}`);
  const id = Buffer.from(keyId(name, publicKey)).toString('hex');
  return `${name}+${id}+${Buffer.concat([Buffer.from([ed25519Type]), publicKey]).toString('base64')}`;
}

/**
 * Parses `name+hex(keyID)+base64(type ‖ key)`; throws `ClearanceError('invalid_input')` for a
 * malformed key, a type other than Ed25519 (0x01), or a key ID that does not match the key.
 */
export function parseVerifierKey(text: string): VerifierKey {
  // The base64 key may itself contain "+", so split at the first two only.
  const match = /^([^+]*)\+([^+]*)\+(.*)$/s.exec(text.trim());
  const [, name, idHex, keyB64] = match ?? [];
  if (name === undefined || idHex === undefined || keyB64 === undefined) {
    throw invalid(`Verifier key "${text}" is not name+keyid+key`);
  }
  assertKeyName(name);
  const raw = strictBase64(keyB64);
  if (
    !/^[0-9a-f]{8}$/.test(idHex) ||
    raw === undefined ||
    raw.length !== 33 ||
    raw[0] !== ed25519Type
  ) {
    throw invalid(`Verifier key for "${name}" is not an Ed25519 key (type 0x01 and 32 bytes)`);
  }
  const publicKey = new Uint8Array(raw.subarray(1));
  const expected = Buffer.from(keyId(name, publicKey)).toString('hex');
  if (expected !== idHex)
    throw invalid(
      `Verifier key for "${name}" has key ID ${idHex}, but its key hashes to ${expected}`,
    );
  return { name, keyId: new Uint8Array(Buffer.from(idHex, 'hex')), publicKey };
}

/**
 * Signs `text` (which must end in a newline) and returns the note: text, an empty line and one
 * signature line.
 */
export function signNote(text: string, signer: NoteSigner): string {
  assertNoteText(text);
  assertKeyName(signer.name);
  const { privateKey, publicKey } = signingKey(signer);
  const signature = sign(null, Buffer.from(text, 'utf8'), privateKey);
  const blob = Buffer.concat([keyId(signer.name, publicKey), signature]).toString('base64');
  return `${text}\n${signaturePrefix}${signer.name} ${blob}\n`;
}

/** Keys {@link signingKey} parsed, by the signer's key as given; the oldest goes first. */
const signingKeys = new Map<string | KeyObject, { privateKey: KeyObject; publicKey: Uint8Array }>();

/**
 * The signer's private key object and raw public key, parsed once per key: OpenSSL parses a PEM
 * key in about ten times the Ed25519 signature's CPU (0.5 ms against 45 µs on the 2-core bench
 * host), and a server signs every checkpoint with the same key. A few are kept (a key handover
 * signs with two). A key that is not Ed25519 is refused, and not kept.
 */
function signingKey(signer: NoteSigner): { privateKey: KeyObject; publicKey: Uint8Array } {
  const known = signingKeys.get(signer.privateKey);
  if (known !== undefined) return known;
  const privateKey =
    typeof signer.privateKey === 'string' ? createPrivateKey(signer.privateKey) : signer.privateKey;
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw invalid(`Key "${signer.name}" is not an Ed25519 key`);
  const parsed = { privateKey, publicKey: rawPublicKey(createPublicKey(privateKey)) };
  signingKeys.set(signer.privateKey, parsed);
  if (signingKeys.size > 4)
    signingKeys.delete(signingKeys.keys().next().value as string | KeyObject);
  return parsed;
}

/**
 * Adds `signer`'s signature line to a signed note (C2SP allows several): the same text, one more
 * signature. The existing signatures are kept as they are, not checked.
 */
export function cosignNote(note: string, signer: NoteSigner): string {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw invalid('A note to cosign needs its text, an empty line and signatures');
  const text = note.slice(0, split + 1);
  const signed = signNote(text, signer);
  return `${note}${signed.slice(text.length + 1)}`;
}

/**
 * Opens a note per C2SP signed-note: signatures by unknown keys are ignored; a signature by a
 * known key (same name and key ID) that does not verify rejects the note; a note that no known
 * key verifies is rejected. Never throws; returns the signed text and the names that verified.
 */
export function verifyNote(note: string, verifierKeys: readonly VerifierKey[]): NoteVerification {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return { ok: false, reason: 'the note has no empty line before its signatures' };
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (!block.endsWith('\n'))
    return { ok: false, reason: 'the signature block does not end in a newline' };
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > maxSignatures)
    return { ok: false, reason: `the note has more than ${maxSignatures} signatures` };
  const verifiedBy: string[] = [];
  for (const line of lines) {
    const parsed = parseSignatureLine(line);
    if (typeof parsed === 'string') return { ok: false, reason: parsed };
    const key = verifierKeys.find(
      (k) => k.name === parsed.name && sameBytes(k.keyId, parsed.keyId),
    );
    if (key === undefined) continue;
    if (!verifyEd25519(key.publicKey, text, parsed.signature)) {
      return {
        ok: false,
        reason: `the signature by "${key.name}" does not verify: the text or signature was changed`,
      };
    }
    if (!verifiedBy.includes(key.name)) verifiedBy.push(key.name);
  }
  if (verifiedBy.length === 0) return { ok: false, reason: 'no signature by a known key' };
  return { ok: true, text, verifiedBy };
}

/**
 * A fresh Ed25519 key pair for signing notes: `privateKey` is PKCS#8 PEM (what `openssl pkey`
 * reads; keep it secret), `verifierKey` the public C2SP verifier-key text to hand to auditors.
 */
export function generateSigningKey(name: string): {
  name: string;
  privateKey: string;
  verifierKey: string;
} {
  assertKeyName(name);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    name,
    privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    verifierKey: formatVerifierKey(name, rawPublicKey(publicKey)),
  };
}

function parseSignatureLine(
  line: string,
): { name: string; keyId: Uint8Array; signature: Uint8Array } | string {
  if (!line.startsWith(signaturePrefix)) return `signature line "${line}" does not start with "— "`;
  const rest = line.slice(signaturePrefix.length);
  const space = rest.lastIndexOf(' ');
  const name = rest.slice(0, space);
  const blob = space > 0 ? strictBase64(rest.slice(space + 1)) : undefined;
  if (name.length === 0 || /\s|\+/u.test(name) || blob === undefined || blob.length < 5) {
    return `signature line "${line}" is not "— <name> <base64 signature>"`;
  }
  return {
    name,
    keyId: new Uint8Array(blob.subarray(0, 4)),
    signature: new Uint8Array(blob.subarray(4)),
  };
}

/** Parsed verifier keys by their raw bytes (hex): a log has one or a few, each parsed once. */
const keyObjects = new Map<string, KeyObject>();
const maxKeyObjects = 64;

function verifyEd25519(publicKey: Uint8Array, text: string, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  const id = Buffer.from(publicKey).toString('hex');
  let key = keyObjects.get(id);
  if (key === undefined) {
    key = createPublicKey({
      key: Buffer.concat([spkiPrefix, publicKey]),
      format: 'der',
      type: 'spki',
    });
    if (keyObjects.size >= maxKeyObjects) keyObjects.clear();
    keyObjects.set(id, key);
  }
  return verify(null, Buffer.from(text, 'utf8'), key, signature);
}

function rawPublicKey(key: KeyObject): Uint8Array {
  const der = key.export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - 32));
}

/** Standard base64 with padding that re-encodes to the same text (no lenient decoding). */
export function strictBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

function assertKeyName(name: string): void {
  if (name.length === 0 || /\s|\+/u.test(name)) {
    throw invalid(`Key name "${name}" must be non-empty, without spaces or "+"`);
  }
}

function assertNoteText(text: string): void {
  if (!text.endsWith('\n')) throw invalid('Note text must end with a newline');
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(b);
}

function invalid(message: string): ClearanceError {
  return new ClearanceError('invalid_input', message);
}
