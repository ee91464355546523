/**
 * A version's registration names its model and the new version (ADR 053): on PostgreSQL,
 * registrations of different versions of one model asked for together run side by side in one
 * transaction, with no savepoint each. A version asked for twice in one batch is registered once:
 * the other is refused as a duplicate, as one after another would refuse it. On every engine the
 * versions, their states and their entries are all there, and the log stays whole.
 */
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { storedRoot } from '../../src/app/audit-log/audit-tree.js';
import { registerModel, registerPolicy, registerVersion } from '../../src/app/index.js';
import { rootFromLeafHashes } from '../../src/audit/index.js';
import { forEachStore, people, readAudit, type StoreHarness, setupModel } from './harness.js';
import { insertRunsInto } from './statement-runs.js';

const register = (h: StoreHarness, model: string, version: string) =>
  registerVersion(h.deps, people.ci, {
    model,
    version,
    artifactUri: `s3://models/${model}/${version}`,
    artifactDigest: `sha256:${createHash('sha256').update(version).digest('hex')}`,
    lineage: { codeCommit: '9f2c1e7', seed: 7 },
  });

/** The log's entries are numbered 0, 1, … and the stored tree nodes agree with the leaves. */
async function expectWholeLog(h: StoreHarness): Promise<void> {
  const entries = await readAudit(h);
  expect(entries.map((e) => e.seq)).toEqual(entries.map((_, k) => k));
  await h.store.read(async (tx) => {
    const leaves = await tx.audit.leafHashes(0, entries.length);
    const fromNodes = Buffer.from(await storedRoot(tx, entries.length)).toString('hex');
    expect(fromNodes).toBe(Buffer.from(rootFromLeafHashes(leaves)).toString('hex'));
  });
}

/**
 * Runs `asked` beside a write that takes half a second and names nothing: asked for in the same
 * turn, they all share one batch, the held write following the registrations (it names no model).
 */
async function inOneBatch<T>(h: StoreHarness, asked: () => Promise<T>): Promise<T> {
  const holding = h.store.transaction(() => new Promise((done) => setTimeout(done, 500)));
  const result = await asked();
  await holding;
  return result;
}

forEachStore('registrations of many versions of one model at once', (open, engine) => {
  it('runs registrations of different versions side by side, each once', async () => {
    const h = await open();
    await setupModel(h, 'recommender', 'feed', 'medium');
    const runAgainBefore = h.store.writeStats?.().runAgain ?? 0;
    // The longest run of version inserts sent with no savepoint between them.
    const runs = insertRunsInto('versions');
    const versions = ['1.0.0', '1.0.1', '1.1.0', '2.0.0', '2.0.1', '2.1.0'];
    let made: PromiseSettledResult<unknown>[];
    try {
      made = await inOneBatch(h, () =>
        Promise.allSettled(versions.map((version) => register(h, 'feed', version))),
      );
    } finally {
      runs.stop();
    }
    expect(made.map((s) => s.status)).toEqual(versions.map(() => 'fulfilled'));
    const stored = await h.store.read((tx) => tx.versions.list('feed'));
    expect(stored.map((v) => v.version).sort()).toEqual([...versions].sort());
    expect(stored.every((v) => v.state === 'draft')).toBe(true);
    const registered = (await readAudit(h)).filter((e) => e.action === 'version.registered');
    expect(registered.map((e) => e.subject.id).sort()).toEqual(
      versions.map((v) => `feed@${v}`).sort(),
    );
    await expectWholeLog(h);
    // PostgreSQL: side by side (all six when they reached the queue while the first write held
    // it, the usual case); SQLite: each in turn.
    if (engine === 'postgres') expect(runs.longest()).toBeGreaterThanOrEqual(2);
    else expect(runs.longest()).toBe(1);
    expect((h.store.writeStats?.().runAgain ?? 0) - runAgainBefore).toBe(0);
  });

  it('registers a version asked for twice in one batch once, and refuses the other', async () => {
    const h = await open();
    await setupModel(h, 'recommender', 'feed', 'medium');
    const asked = ['1.0.0', '1.0.1', '1.0.0', '1.1.0', '1.0.1'];
    const made = await inOneBatch(h, () =>
      Promise.allSettled(asked.map((version) => register(h, 'feed', version))),
    );
    // The first of each version is registered; the repeat is refused as a duplicate.
    expect(made.map((s) => s.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
    ]);
    for (const k of [2, 4]) {
      const refused = made[k] as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ code: 'conflict' });
    }
    const stored = await h.store.read((tx) => tx.versions.list('feed'));
    expect(stored.map((v) => v.version).sort()).toEqual(['1.0.0', '1.0.1', '1.1.0']);
    const registered = (await readAudit(h)).filter((e) => e.action === 'version.registered');
    expect(registered).toHaveLength(3);
    await expectWholeLog(h);
  });

  it('registers into production one at a time when the policy starts there', async () => {
    const h = await open();
    // A policy whose first state is production (an import of what already serves): a
    // registration reads the model's production row, so two side by side cannot both stand.
    const policy = await registerPolicy(h.deps, people.admin, {
      text: [
        'apiVersion: clearance/v1',
        'kind: Policy',
        'metadata: { name: serving-import, riskTier: low }',
        'states: [production, deprecated]',
        'roles: [mlops, admin]',
        'transitions:',
        '  - from: production',
        '    to: deprecated',
        '    requestedBy: [mlops]',
        '',
      ].join('\n'),
    });
    await registerModel(h.deps, people.admin, {
      name: 'served',
      ownerTeam: 'ml-platform',
      riskTier: 'low',
      policyDigest: policy.digest,
    });
    const made = await inOneBatch(h, () =>
      Promise.allSettled(['1', '2', '3'].map((version) => register(h, 'served', version))),
    );
    // The first asked for is registered; the others are refused as a second production version.
    expect(made.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    for (const refused of made.slice(1)) {
      expect((refused as PromiseRejectedResult).reason).toMatchObject({ code: 'conflict' });
    }
    const stored = await h.store.read((tx) => tx.versions.list('served'));
    expect(stored.map((v) => [v.version, v.state])).toEqual([['1', 'production']]);
    await expectWholeLog(h);
  });
});
