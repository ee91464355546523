/**
 * Version lists take each version's own fields from the versions a read has already seen
 * (src/store/committed-versions.ts). Only committed rows may be remembered: a version a write
 * transaction saw and then rolled back can be registered again with other contents.
 */

import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { registerVersion } from '../../src/app/index.js';
import type { Version } from '../../src/domain/index.js';
import { CommittedVersions } from '../../src/store/committed-versions.js';
import { openDialect, type StoreConfig } from '../../src/store/index.js';
import { forEachStore, people, setupModel } from '../app/harness.js';

const model = 'credit-risk-pd';
const digest = (c: string) => `sha256:${c.repeat(64)}`;

forEachStore('remembered versions', (open, engine) => {
  it('lists what was committed after a rolled-back write listed its own version', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', model, 'regulated');
    const now = h.clock.now().toISOString();
    const rolledBack = h.deps.store.transaction(async (tx) => {
      await tx.versions.insert(
        {
          model,
          version: 'v1',
          artifactUri: 's3://models/rolled-back',
          artifactDigest: digest('a'),
          lineage: { codeCommit: 'rolled-back' },
          createdAt: now,
          createdBy: people.ci.id,
        },
        { model, version: 'v1', state: 'draft', since: now },
      );
      expect(
        (await tx.versions.list(model, { remembered: true })).map((v) => v.artifactUri),
      ).toEqual(['s3://models/rolled-back']);
      expect((await tx.versions.page(model, { limit: 5, remembered: true })).length).toBe(1);
      throw new Error('roll back');
    });
    await expect(rolledBack).rejects.toThrow('roll back');

    await registerVersion(h.deps, people.ci, {
      model,
      version: 'v1',
      artifactUri: 's3://models/committed',
      artifactDigest: digest('b'),
      lineage: { codeCommit: 'committed' },
    });
    for (const round of ['first read', 'second read']) {
      const listed = await h.deps.store.read((tx) => tx.versions.list(model, { remembered: true }));
      expect(
        listed.map((v) => [v.artifactUri, v.lineage.codeCommit]),
        round,
      ).toEqual([['s3://models/committed', 'committed']]);
      const paged = await h.deps.store.read((tx) =>
        tx.versions.page(model, { limit: 5, remembered: true }),
      );
      expect(paged, round).toEqual(listed);
    }
  });

  it.skipIf(engine === 'memory')(
    'reads the rows, not what it remembers, unless asked',
    async () => {
      const h = await open();
      await setupModel(h, 'credit-risk', model, 'regulated');
      await registerVersion(h.deps, people.ci, {
        model,
        version: 'v1',
        artifactUri: 's3://models/v1',
        artifactDigest: digest('c'),
        lineage: {},
      });
      const remembered = () =>
        h.deps.store.read((tx) => tx.versions.list(model, { remembered: true }));
      expect((await remembered())[0]?.artifactDigest).toBe(digest('c'));
      // A row edited behind the service's back (the append-only triggers dropped first).
      const database = h.database as string;
      const config: StoreConfig = database.startsWith('sqlite:')
        ? { engine: 'sqlite', file: database.slice('sqlite:'.length) }
        : { engine: 'postgres', url: database };
      const dialect = openDialect(config);
      try {
        for (const statement of dialect.dropAppendOnlyStatements('versions'))
          await sql.raw(statement).execute(dialect.db);
        await sql`update versions set artifact_digest = ${digest('e')} where version = 'v1'`.execute(
          dialect.db,
        );
      } finally {
        await dialect.destroy();
      }
      // Checks of the stored state (the state check, `audit verify`) list without `remembered`.
      const rows = await h.deps.store.read((tx) => tx.versions.list(model));
      expect(rows[0]?.artifactDigest).toBe(digest('e'));
      const page = await h.deps.store.read((tx) => tx.versions.page(model, { limit: 5 }));
      expect(page[0]?.artifactDigest).toBe(digest('e'));
      // Replies may keep the version as first read: its row is not supposed to change.
      expect((await remembered())[0]?.artifactDigest).toBe(digest('c'));
    },
  );

  it.skipIf(engine === 'memory')('hands out remembered versions frozen', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', model, 'regulated');
    await registerVersion(h.deps, people.ci, {
      model,
      version: 'v1',
      artifactUri: 's3://models/v1',
      artifactDigest: digest('c'),
      lineage: { codeCommit: 'abc', extra: { nested: [1] } },
    });
    await h.deps.store.read((tx) => tx.versions.list(model, { remembered: true }));
    const [again] = await h.deps.store.read((tx) => tx.versions.list(model, { remembered: true }));
    if (again === undefined) throw new Error('v1 is not listed');
    expect(Object.isFrozen(again.lineage)).toBe(true);
    expect(Object.isFrozen((again.lineage as { extra: object }).extra)).toBe(true);
  });
});

it('keeps at most its capacity (16,384 by default), forgetting the oldest first', () => {
  expect(new CommittedVersions().capacity).toBe(16_384);
  const kept = new CommittedVersions(2);
  const version = (name: string): Version => ({
    model: 'm',
    version: name,
    artifactUri: `s3://m/${name}`,
    artifactDigest: digest('d'),
    lineage: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    createdBy: 'ci',
  });
  for (const name of ['a', 'b', 'c']) kept.remember(version(name));
  expect(kept.size).toBe(2);
  expect(kept.get('m', 'a')).toBeUndefined();
  expect(kept.get('m', 'c')?.artifactUri).toBe('s3://m/c');
  // Remembering a version it has keeps the first copy (rows never change).
  expect(kept.remember({ ...version('c'), artifactUri: 'other' }).artifactUri).toBe('s3://m/c');
});
