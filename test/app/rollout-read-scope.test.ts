/**
 * The rollout list keeps to the read scope of one rollout: a caller whose roles are bound to
 * models sees those models' rollouts only; a global role sees every model's.
 */
import { describe, expect, it } from 'vitest';
import { getRollout, listRollouts } from '../../src/app/index.js';
import type { Principal } from '../../src/domain/index.js';
import { actions, harness, people } from './harness.js';
import { startRecommenderCanary } from './rollout-fixture.js';

const feedOwner: Principal = {
  id: 'olga.feed',
  kind: 'user',
  roles: [{ role: 'model_owner', model: 'home-feed' }],
};
const outsider: Principal = {
  id: 'eve.other-team',
  kind: 'user',
  roles: [{ role: 'model_owner', model: 'search-ranker' }],
};

async function twoRollouts() {
  const h = harness();
  const feed = await startRecommenderCanary(h, { model: 'home-feed' });
  const search = await startRecommenderCanary(h, { model: 'search-ranker' });
  return { h, feed: feed.rolloutId, search: search.rolloutId };
}

const ids = (views: { id: string }[]) => views.map((v) => v.id);

describe('rollout reads by a caller scoped to one model', () => {
  it('lists only the rollouts of the models it holds a role on', async () => {
    const { h, feed, search } = await twoRollouts();
    expect(ids(await listRollouts(h.deps, feedOwner, {}))).toEqual([feed]);
    expect(ids(await listRollouts(h.deps, outsider, {}))).toEqual([search]);
    expect(ids(await listRollouts(h.deps, outsider, { status: ['running'] }))).toEqual([search]);
    // The list never shows a record that the read of the one record refuses.
    await expect(getRollout(h.deps, outsider, { rolloutId: feed })).rejects.toMatchObject({
      code: 'forbidden',
    });
  });

  it('a global role lists every model’s rollouts', async () => {
    const { h, feed, search } = await twoRollouts();
    const auditor: Principal = { id: 'ann.audit', kind: 'user', roles: [{ role: 'auditor' }] };
    expect(ids(await listRollouts(h.deps, auditor, {})).sort()).toEqual([feed, search].sort());
    expect(ids(await listRollouts(h.deps, people.admin, {})).sort()).toEqual([feed, search].sort());
  });

  it('refuses a model filter naming a model the caller holds no role on, audited', async () => {
    const { h } = await twoRollouts();
    const before = actions(h).length;
    await expect(listRollouts(h.deps, outsider, { model: 'home-feed' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect(actions(h).slice(before)).toEqual(['access.denied']);
  });
});
