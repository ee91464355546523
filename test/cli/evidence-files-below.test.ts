import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { evidenceFilesBelow } from '../../src/cli/evidence-files-below.js';
import { checkEvidencePaths } from '../../src/domain/index.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

it('uploads decomposed (NFD) names as NFC and leaves out the folders the reader skips', async () => {
  const root = await mkdtemp(join(tmpdir(), 'clearance-attach-'));
  dirs.push(root);
  await writeFile(join(root, 'e\u0301t\u0301e\u0301.md'), '# Été\n');
  await mkdir(join(root, '.git'));
  await writeFile(join(root, '.git', 'config'), '[core]\n');
  await mkdir(join(root, 'notes'));
  await writeFile(join(root, 'notes', 'b.md'), '# B\n');
  const files = await evidenceFilesBelow(root);
  expect(files.map((f) => f.path)).toEqual(['notes/b.md', '\u00e9t\u0301\u00e9.md']);
  expect(files[1]?.file).toBe(join(root, 'e\u0301t\u0301e\u0301.md'));
  expect(checkEvidencePaths({ existing: [], added: files.map((f) => f.path) })).toEqual([]);
  const single = await evidenceFilesBelow(join(root, 'e\u0301t\u0301e\u0301.md'));
  expect(single.map((f) => f.path)).toEqual(['\u00e9t\u0301\u00e9.md']);
});
