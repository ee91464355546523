/**
 * A version create's statements are compiled once (prepared-query.ts), not built and compiled by
 * Kysely on every create: that was about a tenth of a create's CPU on SQLite (issue 12, item 2).
 * Counted where Kysely compiles, on each engine's real database: once the templates exist, a
 * create compiles only its transaction's BEGIN and COMMIT on SQLite, and nothing on PostgreSQL
 * (its one-call audit append, postgres-audit-append.ts, is compiled once too since ADR 021).
 */
import { DefaultQueryCompiler } from 'kysely';
import { afterEach, expect, it, vi } from 'vitest';
import type { Store } from '../../src/app/shared/ports.js';
import { eachEngine } from './engines.js';
import { auditInput, draft, model, policy, version } from './fixtures.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** What `insertVersion` does in its transaction: model, policy, then version, state and entry. */
async function create(store: Store, modelName: string, policyDigest: string): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.models.get(modelName);
    await tx.policies.get(policyDigest);
    const v = version(modelName);
    await tx.versions.insertLogged(v, draft(v), {
      ...auditInput(`${modelName}@${v.version}`),
      subject: { type: 'version', id: `${modelName}@${v.version}` },
    });
  });
}

eachEngine('a version create', (engine) => {
  it('compiles no statement of its own once warm', async () => {
    const store = await engine.openStore();
    const p = policy();
    const m = model(p.digest);
    await store.transaction(async (tx) => {
      await tx.policies.insert(p);
      await tx.models.insert(m);
    });
    // Warm: every template compiled, including the tree-node inserts of 1 to 4 nodes (entries
    // 0 to 15 of this file's fresh log); entries 16 to 19 complete at most 2 nodes each.
    for (let k = 0; k < 16; k += 1) await create(store, m.name, p.digest);
    const compiles = vi.spyOn(DefaultQueryCompiler.prototype, 'compileQuery');
    for (let k = 0; k < 4; k += 1) await create(store, m.name, p.digest);
    const compiled = compiles.mock.results.map((r) => (r.value as { sql: string }).sql.trim());
    // PostgreSQL's write transaction statements are raw texts; its audit append is compiled
    // once like the rest (a named statement, ADR 021).
    const perCreate = engine.name === 'sqlite' ? ['begin immediate', 'commit'] : [];
    expect(compiled).toStrictEqual(Array.from({ length: 4 }, () => perCreate).flat());
  });
});
