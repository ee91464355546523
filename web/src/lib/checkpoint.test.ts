import { describe, expect, it } from 'vitest';
import { signCheckpoint } from '../../../src/audit/checkpoint.js';
import { rootFromLeafHashes } from '../../../src/audit/merkle.js';
import { generateSigningKey } from '../../../src/audit/signed-note.js';
import { toBase64 } from './bytes.js';
import {
  parseCheckpoint,
  parseVerifierKey,
  type VerifierKey,
  verifyCheckpoint,
} from './checkpoint.js';

const origin = 'clearance/test-install';
const signer = generateSigningKey(origin);
const root = rootFromLeafHashes([new Uint8Array(32).fill(7), new Uint8Array(32).fill(9)]);
const note = signCheckpoint({ origin, size: 2, rootHash: root }, signer);

async function key(text: string): Promise<VerifierKey> {
  const parsed = await parseVerifierKey(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

describe('checkpoints verified with Web Crypto Ed25519', () => {
  it('verifies a checkpoint from the server signer and reads its body', async () => {
    const result = await verifyCheckpoint(note, [await key(signer.verifierKey)], { origin });
    expect(result).toMatchObject({ ok: true, verifiedBy: [origin] });
    if (result.ok) {
      expect(result.checkpoint.size).toBe(2);
      expect(toBase64(result.checkpoint.rootHash)).toBe(Buffer.from(root).toString('base64'));
    }
  });

  it('verifies the documented example checkpoint (docs/reference/audit.md)', async () => {
    const example =
      'clearance/example\n3\nOrEfxvm8qARkJYKs3Mhd4YuOps0OA5P5vQXu52ji3/E=\n\n' +
      '\u2014 clearance/example XiQkIW1+mwTx//3blKVeRxeXXcpXS4GOSG4RfD0TOHB0/BHNAvRXbWP2zXIBE43ZWdW/CTNMIOdeX0QusZRX2EQRygA=\n';
    const pinned = await key(
      'clearance/example+5e242421+AepKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs',
    );
    expect(await verifyCheckpoint(example, [pinned])).toMatchObject({ ok: true });
  });

  it('fails when any single byte of the signed text or the signature is flipped', async () => {
    const pinned = [await key(signer.verifierKey)];
    const bytes = new TextEncoder().encode(note);
    const signatureLine = note.lastIndexOf('\u2014');
    for (let i = 0; i < bytes.length; i++) {
      // Flip a bit that keeps the character printable base64 or text, so it still parses.
      const flipped = Uint8Array.from(bytes);
      flipped[i] = (flipped[i] ?? 0) ^ 0x01;
      const changed = new TextDecoder().decode(flipped);
      if (changed === note) continue;
      const result = await verifyCheckpoint(changed, pinned, { origin });
      expect(result.ok, `byte ${i} (${i < signatureLine ? 'text' : 'signature'})`).toBe(false);
    }
  });

  it('fails with a wrong key and with a wrong origin', async () => {
    const other = generateSigningKey(origin);
    expect(await verifyCheckpoint(note, [await key(other.verifierKey)])).toEqual({
      ok: false,
      reason: 'no signature by the pinned key',
    });
    const wrongOrigin = await verifyCheckpoint(note, [await key(signer.verifierKey)], {
      origin: 'clearance/another-install',
    });
    expect(wrongOrigin).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not "clearance\/another-install"/),
    });
  });

  it('refuses malformed and mismatched verifier keys with a reason', async () => {
    expect(await parseVerifierKey('not a key')).toMatch(/name\+keyid/);
    const [name, id] = signer.verifierKey.split('+', 2) as [string, string];
    const rest = signer.verifierKey.slice(name.length + id.length + 2);
    expect(await parseVerifierKey(`${name}+00000000+${rest}`)).toMatch(/key ID 00000000/);
  });

  it('parses checkpoint bodies strictly', () => {
    expect(parseCheckpoint('log\n01\nAAAA\n')).toMatch(/leading zeros/);
    expect(parseCheckpoint('log\n1\nAAAA\n')).toMatch(/not a base64 SHA-256/);
    expect(parseCheckpoint('log\n1\n')).toMatch(/origin, a size and a root/);
  });
});
