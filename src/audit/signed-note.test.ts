import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isClearanceError } from '../domain/index.js';
import {
  formatCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  verifyCheckpoint,
} from './checkpoint.js';
import { emptyRoot, hashLeaf } from './merkle.js';
import {
  formatVerifierKey,
  generateSigningKey,
  keyId,
  parseVerifierKey,
  signNote,
  verifyNote,
} from './signed-note.js';

// C2SP signed-note example (semantics.md §3.4 item 4).
const exampleKey = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const exampleText = 'This is an example message.\n';
const exampleSignature =
  '\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';
const exampleNote = `${exampleText}\n${exampleSignature}`;

describe('C2SP signed notes', () => {
  it('verifies the C2SP example note', () => {
    const key = parseVerifierKey(exampleKey);
    expect(Buffer.from(key.keyId).toString('hex')).toBe('530d903a');
    expect(Buffer.from(keyId(key.name, key.publicKey)).toString('hex')).toBe('530d903a');
    expect(formatVerifierKey(key.name, key.publicKey)).toBe(exampleKey);
    expect(verifyNote(exampleNote, [key])).toEqual({
      ok: true,
      text: exampleText,
      verifiedBy: ['example.com/foo'],
    });
  });

  it('rejects the example note with its text changed', () => {
    const key = parseVerifierKey(exampleKey);
    const changed = exampleNote.replace('example message', 'example massage');
    const result = verifyNote(changed, [key]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/example\.com\/foo.*does not verify/);
  });

  it('rejects a note that no known key signed, and ignores unknown signers', () => {
    const other = generateSigningKey('other.example/log');
    expect(verifyNote(exampleNote, [parseVerifierKey(other.verifierKey)])).toEqual({
      ok: false,
      reason: 'no signature by a known key',
    });
    const twice = signNote(exampleText, other).replace(/\n$/, `\n${exampleSignature}`);
    expect(verifyNote(twice, [parseVerifierKey(exampleKey)])).toMatchObject({
      ok: true,
      verifiedBy: ['example.com/foo'],
    });
  });

  it('signs and verifies with a generated key (PKCS#8 PEM private key)', () => {
    const signer = generateSigningKey('clearance/test');
    expect(signer.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const note = signNote('hello\nworld\n', signer);
    expect(note).toMatch(/^hello\nworld\n\n\u2014 clearance\/test [A-Za-z0-9+/]{91}=\n$/);
    expect(verifyNote(note, [parseVerifierKey(signer.verifierKey)])).toMatchObject({
      ok: true,
      text: 'hello\nworld\n',
    });
  });

  it('accepts a KeyObject and refuses non-Ed25519 keys', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    expect(signNote('x\n', { name: 'k', privateKey })).toContain('\u2014 k ');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(() => signNote('x\n', { name: 'k', privateKey: ec })).toThrow(/not an Ed25519 key/);
  });

  it('signs with each of several keys in turn, each note verifying under its own key only', () => {
    // The parsed keys are kept per key (signingKey): a key must never sign as another, and one
    // dropped from the few kept must sign as before when it comes back.
    const keys = Array.from({ length: 6 }, (_, k) => generateSigningKey(`log-${k}`));
    for (const round of [0, 1]) {
      for (const [k, key] of keys.entries()) {
        const note = signNote(`round ${round}\n`, key);
        const own = parseVerifierKey(key.verifierKey);
        const other = parseVerifierKey((keys[(k + 1) % keys.length] as typeof key).verifierKey);
        expect(verifyNote(note, [own])).toMatchObject({ ok: true, verifiedBy: [key.name] });
        expect(verifyNote(note, [other]).ok).toBe(false);
      }
    }
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    for (const _ of [0, 1])
      expect(() => signNote('x\n', { name: 'k', privateKey: ec })).toThrow(/not an Ed25519 key/);
  });

  it('refuses malformed keys with a coded error', () => {
    for (const bad of [
      'nope',
      'a+530d903a+AAAA',
      exampleKey.replace('530d903a', '530d903b'),
      'a b+00000000+AekyeRrm',
    ]) {
      let thrown: unknown;
      try {
        parseVerifierKey(bad);
      } catch (error) {
        thrown = error;
      }
      expect(isClearanceError(thrown) && thrown.code === 'invalid_input').toBe(true);
    }
  });

  it('never accepts a note whose text was changed in any byte (fast-check)', () => {
    const signer = generateSigningKey('prop.example');
    const keys = [parseVerifierKey(signer.verifierKey)];
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.nat(), (body, at) => {
        const text = `${body.replace(/\n/g, ' ')}\n`;
        const note = signNote(text, signer);
        expect(verifyNote(note, keys).ok).toBe(true);
        const i = at % text.length;
        const changed = `${text.slice(0, i)}${text[i] === 'x' ? 'y' : 'x'}${text.slice(i + 1)}`;
        expect(verifyNote(note.replace(text, changed), keys).ok).toBe(false);
      }),
      { numRuns: 50 },
    );
  });
});

describe('C2SP checkpoints', () => {
  const rootHash = hashLeaf(new Uint8Array([1, 2, 3]));

  it('formats the origin, decimal size and base64 root, each ending in LF', () => {
    const text = formatCheckpoint({ origin: 'clearance/example', size: 42, rootHash });
    expect(text).toBe(`clearance/example\n42\n${Buffer.from(rootHash).toString('base64')}\n`);
    expect(parseCheckpoint(text)).toEqual({
      origin: 'clearance/example',
      size: 42,
      rootHash: new Uint8Array(rootHash),
    });
  });

  it('refuses malformed checkpoint text', () => {
    const root = Buffer.from(rootHash).toString('base64');
    for (const bad of [
      `o\n42\n${root}`,
      `o\n042\n${root}\n`,
      `o\n-1\n${root}\n`,
      'o\n1\nAAAA\n',
      `a b\n1\n${root}\n`,
      'o\n1\n',
    ]) {
      expect(() => parseCheckpoint(bad)).toThrow();
    }
    expect(parseCheckpoint(`o\n0\n${root}\next\n`).extensions).toEqual(['ext']);
  });

  it('signs and verifies a checkpoint, and checks the origin', () => {
    const signer = generateSigningKey('clearance/example');
    const keys = [parseVerifierKey(signer.verifierKey)];
    const note = signCheckpoint(
      { origin: 'clearance/example', size: 0, rootHash: emptyRoot() },
      signer,
    );
    expect(verifyCheckpoint(note, keys, { origin: 'clearance/example' })).toMatchObject({
      ok: true,
      checkpoint: { size: 0 },
    });
    expect(verifyCheckpoint(note, keys, { origin: 'clearance/other' })).toMatchObject({
      ok: false,
    });
    expect(verifyCheckpoint(note.replace('\n0\n', '\n1\n'), keys).ok).toBe(false);
  });
});
