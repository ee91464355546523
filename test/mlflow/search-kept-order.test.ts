/**
 * `model-versions/search` on one named model pages a matching, ordered list kept beside the
 * model's kept records (mlflow-queries.ts `orderedOfModel`): pages of any size, one after
 * another, are the one long answer in MLflow's default order (checked against an independent
 * comparator), a different filter or order gets its own list, and a registration — which
 * replaces the kept records — is in the next search.
 */
import { expect, it } from 'vitest';
import { hotReads } from '../../src/app/index.js';
import { searchModelVersions } from '../../src/app/mlflow/mlflow-queries.js';
import type { MlflowModelVersion } from '../../src/app/mlflow/mlflow-shapes.js';
import { createModelVersion } from '../../src/app/mlflow/mlflow-writes.js';
import { forEachStore, people, setupModel } from '../app/harness.js';

/** MLflow's default version order, written out: newest change first, then name, then number. */
function defaultOrder(a: MlflowModelVersion, b: MlflowModelVersion): number {
  const updated = Number(b.last_updated_timestamp) - Number(a.last_updated_timestamp);
  if (updated !== 0) return updated;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return Number(b.version) - Number(a.version);
}

forEachStore('MLflow search of one model, ordered once per kept records', (open) => {
  it('pages the one ordered answer, and a registration is in the next search', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', 'm', 'high');
    const deps = { ...h.deps, hotReads: hotReads(h.store) };
    for (let i = 1; i <= 23; i++) {
      h.clock.advance(i % 3 === 0 ? 0 : 1000);
      await createModelVersion(deps, people.ci, {
        name: 'm',
        source: `s3://models/m/${i}`,
        runId: `run-${i % 4}`,
      });
    }
    const filter = "name = 'm'";
    const all = await searchModelVersions(deps, people.admin, { filter, maxResults: 1000 });
    expect(all.model_versions).toHaveLength(23);
    expect(all.model_versions.map((v) => v.version)).toEqual(
      [...all.model_versions].sort(defaultOrder).map((v) => v.version),
    );
    const paged: string[] = [];
    let token: string | undefined;
    do {
      const page = await searchModelVersions(deps, people.admin, {
        filter,
        maxResults: 5,
        ...(token === undefined ? {} : { pageToken: token }),
      });
      paged.push(...page.model_versions.map((v) => v.version));
      token = page.next_page_token;
    } while (token !== undefined);
    expect(paged).toEqual(all.model_versions.map((v) => v.version));

    // Another filter and another order: lists of their own.
    const runs = await searchModelVersions(deps, people.admin, {
      filter: "name = 'm' and run_id = 'run-1'",
      maxResults: 1000,
    });
    expect(runs.model_versions.map((v) => v.run_id)).toEqual(
      Array.from({ length: runs.model_versions.length }, () => 'run-1'),
    );
    expect(runs.model_versions.length).toBe(6);
    const oldest = await searchModelVersions(deps, people.admin, {
      filter,
      maxResults: 3,
      orderBy: ['version_number ASC'],
    });
    expect(oldest.model_versions.map((v) => v.version)).toEqual(['1', '2', '3']);

    h.clock.advance(60_000);
    await createModelVersion(deps, people.ci, {
      name: 'm',
      source: 's3://models/m/24',
      runId: 'r',
    });
    const after = await searchModelVersions(deps, people.admin, { filter, maxResults: 2 });
    expect(after.model_versions.map((v) => v.version)).toEqual([
      '24',
      all.model_versions[0]?.version,
    ]);
  });
});
