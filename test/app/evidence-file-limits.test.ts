/**
 * Attack pass finding L5, on every engine: a version holds at most `maxEvidenceFilesPerVersion`
 * evidence files (attached ones count; a refusal stores and records nothing), each file counts
 * a per-file charge against the upload quota besides its bytes, and one attach stores its blobs
 * a few at a time.
 */
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import {
  attachEvidence,
  type BlobStore,
  registerVersion,
  uploadChargePerFile,
} from '../../src/app/index.js';
import { registerVersionWithEvidence } from '../../src/app/registry/register-version-with-evidence.js';
import type { AppDeps } from '../../src/app/shared/app-deps.js';
import { createStore } from '../../src/store/index.js';
import {
  forEachStore,
  people,
  readAudit,
  refusal,
  type StoreHarness,
  setupModel,
} from './harness.js';

const model = 'home-feed';
const text = (s: string) => new TextEncoder().encode(s);
const digestOf = (bytes: Uint8Array) =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const files = (from: number, n: number, bytes = (i: number) => text(`note ${i}\n`)) =>
  Array.from({ length: n }, (_, k) => ({ path: `notes/${from + k}.md`, bytes: bytes(from + k) }));

async function withVersion(h: StoreHarness): Promise<void> {
  await setupModel(h, 'recommender', model, 'medium');
  await registerVersion(h.deps, people.ci, {
    model,
    version: 'v1',
    artifactUri: 's3://models/home-feed/v1',
    artifactDigest: `sha256:${'d'.repeat(64)}`,
    lineage: {},
  });
}

/** What a refusal must leave as it was: evidence rows, audit entries, the upload ledger. */
async function state(h: StoreHarness) {
  return h.store.read(async (tx) => ({
    evidence: (await tx.evidence.list(model, 'v1')).length,
    uploads: await tx.blobUploads.usageSince(people.ci.id, '2000-01-01T00:00:00.000Z'),
    audit: (await readAudit(h)).length,
  }));
}

/** The real blob store, noting the most `put`s under way at once. */
function countingPuts(blobs: BlobStore): { blobs: BlobStore; peak: () => number } {
  let now = 0;
  let peak = 0;
  const counted = new Proxy(blobs, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (property !== 'put') return (...args: unknown[]) => method.apply(target, args);
      return async (...args: unknown[]) => {
        now += 1;
        peak = Math.max(peak, now);
        try {
          return await method.apply(target, args);
        } finally {
          now -= 1;
        }
      };
    },
  });
  return { blobs: counted, peak: () => peak };
}

forEachStore('evidence file limits', (open) => {
  it('refuses files past the per-version limit, counting attached ones, and writes nothing', async () => {
    const h = await open();
    await withVersion(h);
    const deps: AppDeps = { ...h.deps, evidenceFilesPerVersion: 5 };
    await attachEvidence(deps, people.ci, { model, version: 'v1', files: files(0, 3) });
    const before = await state(h);
    const refused = files(3, 3);
    const over = await refusal(
      attachEvidence(deps, people.ci, { model, version: 'v1', files: refused }),
    );
    expect(over.code).toBe('invalid_input');
    expect(over.message).toBe(
      'Version home-feed@v1 would hold 6 evidence files (3 attached, 3 new); at most 5 are allowed per version.',
    );
    expect(await state(h)).toEqual(before);
    for (const f of refused) expect(await h.blobs.has(digestOf(f.bytes))).toBe(false);
    // Files attached already do not count again: the same three and two new ones fit.
    await attachEvidence(deps, people.ci, {
      model,
      version: 'v1',
      files: [...files(0, 3), ...files(3, 2)],
    });
    expect((await state(h)).evidence).toBe(5);
    const full = await refusal(
      attachEvidence(deps, people.ci, { model, version: 'v1', files: files(9, 1) }),
    );
    expect(full.code).toBe('invalid_input');
    // The HTTP edge asks before reading an upload's body: refused there too.
    const asked = await refusal(
      import('../../src/app/index.js').then((app) =>
        app.assertMayAttachEvidence(deps, people.ci, {
          model,
          version: 'v1',
          paths: ['notes/9.md'],
          bytes: 10,
        }),
      ),
    );
    expect(asked.code).toBe('invalid_input');
  });

  it('holds 1,000 files per version when nothing else is configured', async () => {
    const h = await open();
    await withVersion(h);
    const before = await state(h);
    const over = await refusal(
      attachEvidence(h.deps, people.ci, {
        model,
        version: 'v1',
        files: files(0, 1001, () => new Uint8Array(0)),
      }),
    );
    expect(over.code).toBe('invalid_input');
    expect(over.message).toContain('at most 1000 are allowed per version');
    expect(await state(h)).toEqual(before);
  });

  it('refuses a version registered with more files than the limit, registering nothing', async () => {
    const h = await open();
    await setupModel(h, 'recommender', model, 'medium');
    const deps: AppDeps = { ...h.deps, evidenceFilesPerVersion: 2 };
    const over = await refusal(
      registerVersionWithEvidence(deps, people.ci, {
        version: {
          model,
          version: 'v9',
          artifactUri: 's3://models/home-feed/v9',
          artifactDigest: `sha256:${'e'.repeat(64)}`,
          lineage: {},
        },
        evidence: files(0, 3),
      }),
    );
    expect(over.code).toBe('invalid_input');
    expect(await h.store.read((tx) => tx.versions.get(model, 'v9'))).toBeUndefined();
  });

  it('charges every file against the upload quota, so empty files are not free', async () => {
    const h = await open();
    await withVersion(h);
    const deps: AppDeps = {
      ...h.deps,
      uploadQuota: { bytes: 3 * uploadChargePerFile, windowSeconds: 3600 },
    };
    const empty = () => new Uint8Array(0);
    await attachEvidence(deps, people.ci, { model, version: 'v1', files: files(0, 3, empty) });
    const before = await state(h);
    // The ledger keeps the files and their own bytes; the charge is applied at the check.
    expect(before.uploads).toStrictEqual({ files: 3, bytes: 0 });
    const over = await refusal(
      attachEvidence(deps, people.ci, { model, version: 'v1', files: files(3, 1, empty) }),
    );
    expect(over.code).toBe('quota_exceeded');
    expect(over.message).toContain(`${3 * uploadChargePerFile} bytes in the last 1 h`);
    expect(await state(h)).toEqual(before);
  });

  it('checks racing uploads of one user one after the other, even through two stores', async () => {
    const h = await open();
    await withVersion(h);
    const database = h.database;
    // Two servers: a second store of its own on the same database (the in-memory store has one).
    const other =
      database === undefined
        ? h.store
        : database.startsWith('sqlite:')
          ? await createStore({ engine: 'sqlite', file: database.slice('sqlite:'.length) })
          : await createStore({ engine: 'postgres', url: database });
    try {
      const quota = { bytes: 2 * uploadChargePerFile, windowSeconds: 3600 };
      const servers: AppDeps[] = [
        { ...h.deps, uploadQuota: quota },
        { ...h.deps, store: other, uploadQuota: quota },
      ];
      // Each upload of one empty file fits alone; any three together do not.
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          attachEvidence(servers[i % 2] as AppDeps, people.ci, {
            model,
            version: 'v1',
            files: files(100 + i, 1, () => new Uint8Array(0)),
          }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
      expect((await state(h)).uploads.files).toBe(2);
    } finally {
      if (other !== h.store) await other.close();
    }
  });

  it('stores an attach’s blobs a few at a time', async () => {
    const h = await open();
    await withVersion(h);
    const { blobs, peak } = countingPuts(h.blobs);
    const attached = await attachEvidence({ ...h.deps, blobs }, people.ci, {
      model,
      version: 'v1',
      files: files(0, 200),
    });
    expect(attached).toHaveLength(200);
    expect(peak()).toBeGreaterThan(1);
    expect(peak()).toBeLessThanOrEqual(8);
  });
});
