/**
 * Attack finding F-mlflow-digest-tag (MEDIUM): any caller allowed to tag a model version (e.g. the
 * mlops role) can rewrite the `clearance.artifact_digest` tag of the *production* version after it
 * was approved, through `POST /api/2.0/mlflow/model-versions/set-tag`. `clearance.artifact_digest`
 * is the documented way to give a version its governed digest at registration
 * (docs/mlflow-compatibility.md), and the MLflow view then shows the forged digest on the approved
 * version while `GET /api/v1/.../versions/{v}` and the audit log keep the real one. A deployment
 * tool reading the registry through MLflow and checking the artifact against that tag would accept
 * a swapped artifact. Model tags refuse `clearance.*` keys (`assertWritableModelTag`,
 * src/app/mlflow/mlflow-metadata.ts:56); `setVersionTag` (same file, line 208) has no such check.
 *
 * Fails on the current code; passes once `clearance.*` version tags are read-only too.
 */
import { expect, it } from 'vitest';
import { setVersionTag } from '../../src/app/mlflow/mlflow-metadata.js';
import { getModelVersion } from '../../src/app/mlflow/mlflow-queries.js';
import { harness, people, promoteCreditRisk } from '../app/harness.js';

const model = 'credit-risk-pd';
const forged = `sha256:${'0'.repeat(64)}`;

it('F-mlflow-digest-tag: the approved version keeps the governed artifact digest in its MLflow tags', async () => {
  const h = harness();
  await promoteCreditRisk(h);
  const governed = await h.store.read((tx) => tx.versions.get(model, '2026.2'));
  expect(governed?.state).toBe('production');

  await setVersionTag(h.deps, people.mlops, {
    name: model,
    version: '2026.2',
    key: 'clearance.artifact_digest',
    value: forged,
  }).catch(() => undefined);

  const shown = await getModelVersion(h.deps, people.mlops, { name: model, version: '2026.2' });
  const tag = shown.tags?.find((t) => t.key === 'clearance.artifact_digest');
  // Either no such tag, or the digest the version was approved with; never the forged one.
  expect(tag === undefined || tag.value === governed?.artifactDigest).toBe(true);
});
