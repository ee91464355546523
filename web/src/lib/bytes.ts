/**
 * Byte helpers for the browser: SHA-256 through Web Crypto (`globalThis.crypto.subtle`, which
 * browsers and Node 20 both have), base64 and hex without Node's Buffer. Pure apart from hashing.
 */

/** SHA-256 of the concatenated parts. */
export async function sha256(...parts: readonly Uint8Array[]): Promise<Uint8Array> {
  const input = concatBytes(parts);
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', input));
}

/** The parts one after another in a fresh array. */
function concatBytes(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Byte-wise equality, lengths included. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Standard base64 with padding, decoded strictly: undefined unless the text re-encodes to itself
 * (the server's `strictBase64` rule, so both sides accept exactly the same strings).
 */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const binary = globalThis.atob(text);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return toBase64(bytes) === text ? bytes : undefined;
}

/** Standard base64 with padding. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return globalThis.btoa(binary);
}

/** Lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Bytes of lowercase or uppercase hex; undefined for anything else. */
export function fromHex(text: string): Uint8Array | undefined {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) return undefined;
  return Uint8Array.from({ length: text.length / 2 }, (_, i) =>
    Number.parseInt(text.slice(2 * i, 2 * i + 2), 16),
  );
}
