/**
 * Evidence accepted at upload is evidence every later gate run can read (issue 7, findings 2, 3,
 * 9 and 20): each hostile upload is refused with `invalid_input` naming the path and the rule,
 * and leaves rows, blobs and the audit log exactly as they were — on SQLite and PostgreSQL.
 */
import { isDeepStrictEqual } from 'node:util';
import { expect, it } from 'vitest';
import { attachEvidence, registerVersion, requestTransition } from '../../src/app/index.js';
import type { Lineage } from '../../src/domain/index.js';
import { StoredEvidenceLoader } from '../../src/evidence/index.js';
import { forEachStore, people, refusal, type StoreHarness, setupModel } from './harness.js';
import { baseEvidence, digestOf, hostileUploads, nestedLineage } from './hostile-uploads.js';
import { storeContents } from './store-contents.js';

const model = 'credit-risk-pd';

async function versionWithBase(h: StoreHarness, lineage: Lineage = {}) {
  await setupModel(h, 'credit-risk', model, 'regulated');
  await registerVersion(h.deps, people.ci, {
    model,
    version: '1',
    artifactUri: 's3://models/1',
    artifactDigest: `sha256:${'ab'.repeat(32)}`,
    lineage,
  });
  await attachEvidence(h.deps, people.ci, { model, version: '1', files: baseEvidence });
}

forEachStore('evidence upload rules', (open) => {
  it('refuses every hostile upload before anything is written', async () => {
    const h = await open();
    await versionWithBase(h);
    // Every case is judged before the assertion, so a failure lists each upload let through.
    const outcomes = [];
    for (const upload of hostileUploads) {
      const before = await storeContents(h.store);
      const error = await refusal(
        attachEvidence(h.deps, people.ci, {
          model,
          version: '1',
          files: [{ path: upload.path, bytes: upload.bytes }],
        }),
      ).catch(() => ({ code: 'accepted', message: '' }));
      outcomes.push({
        upload: upload.title,
        code: error.code,
        namesPathAndRule: error.message.includes(upload.says),
        unchanged: isDeepStrictEqual(await storeContents(h.store), before),
        blobStored: await h.blobs.has(digestOf(upload.bytes)),
      });
    }
    expect(outcomes).toEqual(
      hostileUploads.map((upload) => ({
        upload: upload.title,
        code: 'invalid_input',
        namesPathAndRule: true,
        unchanged: true,
        blobStored: false,
      })),
    );
  });

  it('refuses a clash within one upload and names every refused file', async () => {
    const h = await open();
    await versionWithBase(h);
    const before = await storeContents(h.store);
    const bytes = new TextEncoder().encode('x');
    const error = await refusal(
      attachEvidence(h.deps, people.ci, {
        model,
        version: '1',
        files: [
          { path: 'docs', bytes },
          { path: 'docs/a.md', bytes },
          { path: 'ok.txt', bytes },
          { path: 'Ok.txt', bytes },
        ],
      }),
    );
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(
      /^2 evidence files are refused; the first: Evidence path "docs\/a\.md"/,
    );
    expect(await storeContents(h.store)).toEqual(before);
    expect(await h.blobs.has(digestOf(bytes))).toBe(false);
  });

  it('stores unusual but valid names, and a gate run reads them', async () => {
    const h = await open();
    await versionWithBase(h);
    const names = [
      'é.md',
      'my notes/model report (final).md',
      'Ω-summary.txt',
      'eval/PREDICTIONS.CSV',
    ];
    const files = names.map((path) => ({ path, bytes: new TextEncoder().encode(`# ${path}\n`) }));
    const added = await attachEvidence(h.deps, people.ci, { model, version: '1', files });
    expect(added.map((r) => r.path)).toEqual(names);
    const records = await h.store.read((tx) => tx.evidence.list(model, '1'));
    const bundle = await new StoredEvidenceLoader(h.blobs).load(records, { groupColumns: [] });
    expect(bundle.items.map((i) => i.path).sort()).toEqual(records.map((r) => r.path).sort());
    expect(bundle.problems).toEqual([]);
    // A gate run over the whole version: refused by its gates, never a plain Error.
    const run = await requestTransition(h.deps, people.owner, {
      model,
      version: '1',
      to: 'staging',
      reason: 'Check that the gates can read the evidence',
    }).then(
      () => 'ran',
      (error: { code?: string }) => error.code ?? 'plain-error',
    );
    expect(run).not.toBe('plain-error');
  });

  it('refuses lineage nested 4,500 levels at registration, committing nothing', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', model, 'regulated');
    const before = await storeContents(h.store);
    for (const lineage of [nestedLineage(4500), nestedLineage(65)]) {
      const error = await refusal(
        registerVersion(h.deps, people.ci, {
          model,
          version: '1',
          artifactUri: 's3://models/1',
          artifactDigest: `sha256:${'ab'.repeat(32)}`,
          lineage,
        }),
      );
      expect(error.code).toBe('invalid_input');
      expect(error.message).toContain('The lineage nests arrays and objects more than 64 levels');
      expect(await storeContents(h.store)).toEqual(before);
    }
    await registerVersion(h.deps, people.ci, {
      model,
      version: '1',
      artifactUri: 's3://models/1',
      artifactDigest: `sha256:${'ab'.repeat(32)}`,
      lineage: nestedLineage(64),
    });
    const versions = await h.store.read((tx) => tx.versions.list(model));
    expect(versions.map((v) => v.version)).toEqual(['1']);
  });

  it('refuses lineage over 64 KiB or that JSON cannot carry', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', model, 'regulated');
    const before = await storeContents(h.store);
    const cases: [Lineage, string][] = [
      [{ notes: 'x'.repeat(70_000) }, 'bytes as JSON; at most 65536 are stored'],
      [{ seed: Number.NaN }, 'The lineage cannot be stored as JSON: $.seed is NaN'],
      [{ run: '\ud800' }, 'The lineage cannot be stored as JSON'],
    ];
    for (const [lineage, says] of cases) {
      const error = await refusal(
        registerVersion(h.deps, people.ci, {
          model,
          version: '1',
          artifactUri: 's3://models/1',
          artifactDigest: `sha256:${'ab'.repeat(32)}`,
          lineage,
        }),
      );
      expect([error.code, error.message]).toEqual(['invalid_input', expect.stringContaining(says)]);
      expect(await storeContents(h.store)).toEqual(before);
    }
  });
});
