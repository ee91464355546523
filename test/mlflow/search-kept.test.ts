/**
 * MLflow's `registered-models/search` keeps each search's ordered result until the next commit
 * (`searchRegisteredModels`, ADR 048 amended in session 26): pages between commits are slices of
 * it. Kept results are shared (the same frozen records), are keyed by filter and order (another
 * order is never answered from one kept for the first), and never outlive a commit: a tag set, a
 * model registered, or a description changed is in the very next search.
 */
import { expect, it } from 'vitest';
import { hotReads } from '../../src/app/index.js';
import { setModelTag, updateModelDescription } from '../../src/app/mlflow/mlflow-metadata.js';
import { keptSearchStats, searchRegisteredModels } from '../../src/app/mlflow/mlflow-queries.js';
import { forEachStore, people, setupModel } from '../app/harness.js';

forEachStore('MLflow model searches kept until the next commit', (open) => {
  it('answers a repeated search from the kept result, and the next one after a commit afresh', async () => {
    const h = await open();
    for (const name of ['a', 'b', 'c']) await setupModel(h, 'credit-risk', name, 'high');
    const deps = { ...h.deps, hotReads: hotReads(h.store) };
    const search = (input: Parameters<typeof searchRegisteredModels>[2] = {}) =>
      searchRegisteredModels(deps, people.admin, input);
    const first = await search({ maxResults: 2 });
    const again = await search({ maxResults: 2 });
    expect(again).toEqual(first);
    // The next page is a slice of the same result: built once, answered three times.
    const next = await search({ maxResults: 2, pageToken: first.next_page_token });
    expect(next.registered_models.map((m) => m.name)).toEqual(['c']);
    expect(keptSearchStats(deps)).toEqual({ hits: 2, misses: 1 });
    // Another order is a search of its own.
    const reversed = await search({ orderBy: ['name DESC'] });
    expect(reversed.registered_models.map((m) => m.name)).toEqual(['c', 'b', 'a']);
    expect((await search()).registered_models.map((m) => m.name)).toEqual(['a', 'b', 'c']);
    // The reversed order was built; the default search is the first one's result, whatever the
    // page size.
    expect(keptSearchStats(deps)).toEqual({ hits: 3, misses: 2 });
    // Commits: each is in the very next search, filtered or not.
    await setModelTag(h.deps, people.admin, { name: 'b', key: 'team', value: 'risk' });
    const tagged = await search({ filter: "tags.team = 'risk'" });
    expect(tagged.registered_models.map((m) => m.name)).toEqual(['b']);
    await setModelTag(h.deps, people.admin, { name: 'c', key: 'team', value: 'risk' });
    expect(
      (await search({ filter: "tags.team = 'risk'" })).registered_models.map((m) => m.name),
    ).toEqual(['b', 'c']);
    await setupModel(h, 'credit-risk', 'aa', 'high');
    expect((await search()).registered_models.map((m) => m.name)).toEqual(['a', 'aa', 'b', 'c']);
    await updateModelDescription(h.deps, people.admin, { name: 'a', description: 'NEW' });
    expect((await search()).registered_models[0]?.description).toBe('NEW');
  });

  it('answers a caller with a role on one model the result kept for an admin, as it lists', async () => {
    const h = await open();
    for (const name of ['a', 'b']) await setupModel(h, 'credit-risk', name, 'high');
    const deps = { ...h.deps, hotReads: hotReads(h.store) };
    const scoped = {
      id: 'scoped',
      kind: 'user' as const,
      roles: [{ role: 'tech_lead', model: 'a' }],
    };
    const byAdmin = await searchRegisteredModels(deps, people.admin, {});
    // Any role reads the registry's lists (ADR 040): one result serves both callers.
    expect(await searchRegisteredModels(deps, scoped, {})).toEqual(byAdmin);
    expect(byAdmin.registered_models.map((m) => m.name)).toEqual(['a', 'b']);
    expect(keptSearchStats(deps)).toEqual({ hits: 1, misses: 1 });
  });

  it('still refuses a caller who may not list models, though a search is kept', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', 'a', 'high');
    const deps = { ...h.deps, hotReads: hotReads(h.store) };
    // Kept by an admin's search first: the refusal must come before the kept result is sliced.
    await searchRegisteredModels(deps, people.admin, {});
    const nobody = { id: 'nobody', kind: 'user' as const, roles: [] };
    await expect(searchRegisteredModels(deps, nobody, {})).rejects.toMatchObject({
      code: 'forbidden',
    });
  });
});
