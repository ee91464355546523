/**
 * The tar layer (tar-stream) and the evidence pack archive: random file trees round-trip, system tar reads what
 * we write, and a download that does not match its manifest or reaches outside its directory is
 * refused before anything is written.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { pack as tarPack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { readTar, type TarEntry, tarBytes } from '../../src/app/evidence-pack/pack-tar.js';
import {
  type EvidencePack,
  evidencePackArchive,
  evidencePackStream,
  readEvidencePackArchive,
} from '../../src/app/index.js';
import { canonicalJson } from '../../src/domain/index.js';
import { refusal } from './harness.js';

const encoder = new TextEncoder();
const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A small, honest pack: every file listed with its digest, and the pack digest over the list. */
function pack(files: Record<string, string>, model = 'credit-risk-pd'): EvidencePack {
  const packFiles = Object.entries(files)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([path, text]) => {
      const bytes = encoder.encode(text);
      return { path, bytes, digest: sha256(bytes) };
    });
  const listed = packFiles.map((f) => ({ path: f.path, sha256: f.digest, size: f.bytes.length }));
  const manifest = {
    format: 'clearance-evidence-pack/v1' as const,
    generator: { name: 'clearance' as const, version: '0.1.0' },
    createdAt: '2026-03-01T09:00:00.000Z',
    createdBy: 'ada.auditor',
    model,
    version: '2026.2',
    files: listed,
    packDigest: sha256(encoder.encode(canonicalJson(listed))),
    policies: [],
    audit: { entries: 0, proven: 0, notCovered: [], checkpoint: null },
  };
  const bytes = encoder.encode(`${JSON.stringify(manifest, null, 2)}\n`);
  return {
    manifest,
    files: [...packFiles, { path: 'manifest.json', bytes, digest: sha256(bytes) }],
  };
}

const sample = () =>
  pack({
    'version.json': '{"version":"2026.2"}\n',
    'evidence/predictions.csv': 'y,p\n1,0.9\n0,0.2\n',
    [`evidence/${'deep/'.repeat(30)}metrics.json`]: '{"auc":0.81}\n',
    'evidence/données.md': '# Carte\n',
  });

const gzipTar = async (entries: TarEntry[]) => new Uint8Array(gzipSync(await tarBytes(entries, 0)));
const file = (path: string, text: string): TarEntry => ({
  path,
  type: 'file',
  bytes: encoder.encode(text),
});

describe('tar archive', () => {
  it('round-trips any tree of files, long and non-ASCII paths included', async () => {
    const segment = fc
      .stringMatching(/^[a-zA-Z0-9._é-]{1,60}$/)
      .filter((s) => s !== '.' && s !== '..');
    const entry = fc.record({
      path: fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('/')),
      bytes: fc.uint8Array({ maxLength: 2000 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(entry, { selector: (e) => e.path, maxLength: 8 }),
        async (entries) => {
          const files = entries.map((e) => ({ ...e, type: 'file' as const }));
          const back = await readTar(await tarBytes(files, 1_772_355_600));
          expect(back.map((e) => e.path)).toEqual(files.map((e) => e.path));
          back.forEach((e, i) => {
            expect(e.bytes).toEqual(files[i]?.bytes);
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('never crashes on corrupt input: it returns entries or throws an Error', async () => {
    const valid = await tarBytes([file('a/b.txt', 'hello')], 0);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: valid.length - 1 }),
        fc.integer({ min: 0, max: 255 }),
        async (at, byte) => {
          const corrupt = valid.slice();
          corrupt[at] = byte;
          try {
            await readTar(corrupt);
          } catch (error) {
            expect(error).toBeInstanceOf(Error);
          }
        },
      ),
    );
  });

  it('is read by the system tar', async () => {
    const archive = await evidencePackArchive(sample());
    const dir = mkdtempSync(join(tmpdir(), 'clearance-tar-'));
    const path = join(dir, archive.filename);
    writeFileSync(path, archive.bytes);
    const listed = spawnSync('tar', ['-tzf', path], { encoding: 'utf8' });
    if (listed.error) return; // no tar on this machine
    expect(listed.status).toBe(0);
    const root = 'credit-risk-pd-2026.2-evidence-pack';
    expect(listed.stdout).toContain(`${root}/manifest.json\n`);
    expect(listed.stdout).toContain(`${root}/evidence/données.md\n`);
    expect(spawnSync('tar', ['-xzf', path, '-C', dir]).status).toBe(0);
    const csv = readFileSync(join(dir, root, 'evidence', 'predictions.csv'), 'utf8');
    expect(csv).toBe('y,p\n1,0.9\n0,0.2\n');
  });
});

describe('evidence pack archive', () => {
  it('reads back the pack it wrote, file for file', async () => {
    const original = sample();
    const archive = await evidencePackArchive(original);
    expect(archive.filename).toBe('credit-risk-pd-2026.2-evidence-pack.tar.gz');
    const back = await readEvidencePackArchive(archive.bytes);
    expect(back.manifest).toEqual(original.manifest);
    expect(back.files.map((f) => [f.path, f.digest])).toEqual(
      original.files.map((f) => [f.path, f.digest]),
    );
  });

  it('streams the same tar it writes in one piece', async () => {
    const original = sample();
    const whole = await evidencePackArchive(original);
    const streamed = evidencePackStream(original);
    expect(streamed.filename).toBe(whole.filename);
    const chunks: Buffer[] = [];
    for await (const chunk of streamed.stream) chunks.push(chunk as Buffer);
    // gzip output may differ in framing; the tar inside must be byte for byte the same.
    expect(gunzipSync(Buffer.concat(chunks))).toEqual(gunzipSync(whole.bytes));
  });

  it('refuses a file whose bytes no longer match the manifest', async () => {
    const original = sample();
    const [first] = original.files;
    if (first) first.bytes = encoder.encode('tampered');
    const error = await refusal(
      readEvidencePackArchive((await evidencePackArchive(original)).bytes),
    );
    expect(error.code).toBe('precondition_failed');
    expect(error.message).toContain('the manifest says');
  });

  it('refuses a file the manifest does not list', async () => {
    const original = sample();
    original.files.push({ path: 'extra.sh', bytes: encoder.encode('rm -rf /'), digest: '' });
    const error = await refusal(
      readEvidencePackArchive((await evidencePackArchive(original)).bytes),
    );
    expect(error.code).toBe('precondition_failed');
    expect(error.message).toContain('extra.sh');
  });

  it('refuses entries that reach outside the pack directory', async () => {
    for (const path of ['root/../escape.txt', 'other/manifest.json', 'root//x', 'root/./x']) {
      const archive = await gzipTar([file('root/manifest.json', '{}'), file(path, 'x')]);
      const error = await refusal(readEvidencePackArchive(archive));
      expect(error.code, path).toBe('invalid_input');
    }
  });

  it('refuses links and devices, which a hostile server could use to write outside the pack', async () => {
    for (const header of [
      { name: 'root/link', type: 'symlink' as const, linkname: '/etc/passwd' },
      { name: 'root/hard', type: 'link' as const, linkname: 'root/manifest.json' },
      { name: 'root/dev', type: 'character-device' as const },
    ]) {
      const tar = tarPack();
      tar.entry({ name: 'root/manifest.json' }, Buffer.from('{}'));
      tar.entry(header);
      tar.finalize();
      const chunks: Buffer[] = [];
      for await (const chunk of tar) chunks.push(chunk as Buffer);
      const bytes = new Uint8Array(Buffer.concat(chunks));
      await expect(readTar(bytes), header.type).rejects.toThrow(/only files and directories/);
      const error = await refusal(readEvidencePackArchive(new Uint8Array(gzipSync(bytes))));
      expect(error.code, header.type).toBe('invalid_input');
    }
  });

  it('refuses an archive cut off inside a file', async () => {
    const whole = await tarBytes([file('root/manifest.json', 'x'.repeat(2000))], 0);
    const error = await refusal(
      readEvidencePackArchive(new Uint8Array(gzipSync(whole.slice(0, 1024)))),
    );
    expect(error.code).toBe('invalid_input');
  });

  it('refuses a download that is not a gzip-compressed tar', async () => {
    const error = await refusal(readEvidencePackArchive(encoder.encode('<html>proxy</html>')));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain('not a gzip-compressed tar');
  });
});
