/**
 * The artifact URI is kept in every read of a version (one version, lists, pages, MLflow records),
 * so its length is bounded where every edge passes, the use case: over the REST API, the MLflow
 * routes (`source`), the CLI's local registry (the operator's use cases) and the MLflow import, an
 * over-long URI is refused with `invalid_input` naming the field and the limit, and nothing is
 * written (no version, no audit entry). A URI exactly at the limit is taken.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { bindUseCases, registerModel } from '../../src/app/index.js';
import { importMlflowVersion } from '../../src/app/mlflow/import/import-mlflow-version.js';
import { operator } from '../../src/cli/registry/local-registry.js';
import { maxArtifactUriBytes, maxModelDescriptionBytes } from '../../src/domain/index.js';
import { forEachStore, people, type StoreHarness, setupModel } from '../app/harness.js';
import { testIdentity } from './fixture.js';
import { serveHarness } from './serve-harness.js';

const model = 'home-feed';
const digest = `sha256:${'ab'.repeat(32)}`;
/** Over the limit by one byte, in multi-byte characters: the bound counts UTF-8 bytes. */
const overLong = `s3://bucket/${'é'.repeat((maxArtifactUriBytes - 12) / 2)}x`;
/**
 * Within the MLflow route's schema (2,000 characters, as MLflow's own) yet over the byte limit:
 * three bytes per character.
 */
const overLongSource = `s3://b/${'€'.repeat(1364)}`;
const atLimit = `s3://bucket/${'a'.repeat(maxArtifactUriBytes - 12)}`;

/** A READY MLflow version of `model` as MLflow's API lists it, with `source`. */
function mlflowVersion(source: string) {
  return {
    name: model,
    version: '1',
    creation_timestamp: 0,
    last_updated_timestamp: 0,
    user_id: '',
    current_stage: 'None',
    description: '',
    source,
    run_id: '',
    status: 'READY' as const,
    status_message: '',
    run_link: '',
    tags: [],
    aliases: [],
  };
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

forEachStore('artifact URI length bound', (open) => {
  async function serve() {
    const h = await open();
    await setupModel(h, 'recommender', model, 'medium');
    const identity = testIdentity();
    app = serveHarness(h, { directory: identity.directory });
    return { h, app, authorization: identity.bearer('ci', 'mlops') };
  }

  async function written(h: StoreHarness) {
    return {
      audit: await h.deps.store.read((tx) => tx.audit.size()),
      versions: (await h.deps.store.read((tx) => tx.versions.names(model))).length,
    };
  }

  function expectNamed(error: { code?: string; message?: string } | undefined) {
    expect(error?.code).toBe('invalid_input');
    expect(error?.message).toContain('artifact URI');
    expect(error?.message).toContain(String(maxArtifactUriBytes));
  }

  it('refuses an over-long artifactUri over the REST API and writes nothing', async () => {
    const { h, app, authorization } = await serve();
    expect(Buffer.byteLength(overLong)).toBe(maxArtifactUriBytes + 1);
    const before = await written(h);
    const response = await app.inject({
      method: 'POST',
      url: `/api/v1/models/${model}/versions`,
      headers: { authorization },
      payload: { version: '1.0.0', artifactUri: overLong, artifactDigest: digest },
    });
    expect(response.statusCode).toBe(400);
    const body = response.json() as { code: string; detail: string };
    expectNamed({ code: body.code, message: body.detail });
    expect(await written(h)).toEqual(before);
    const taken = await app.inject({
      method: 'POST',
      url: `/api/v1/models/${model}/versions`,
      headers: { authorization },
      payload: { version: '1.0.0', artifactUri: atLimit, artifactDigest: digest },
    });
    expect(taken.statusCode).toBe(201);
  });

  it('refuses an over-long source over the MLflow route and writes nothing', async () => {
    const { h, app, authorization } = await serve();
    const before = await written(h);
    expect(overLongSource.length).toBeLessThan(2000);
    expect(Buffer.byteLength(overLongSource)).toBeGreaterThan(maxArtifactUriBytes);
    const response = await app.inject({
      method: 'POST',
      url: '/api/2.0/mlflow/model-versions/create',
      headers: { authorization },
      payload: { name: model, source: overLongSource },
    });
    expect(response.statusCode).toBe(400);
    const body = response.json() as { error_code: string; message: string };
    expect(body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(body.message).toContain('artifact URI');
    expect(body.message).toContain(String(maxArtifactUriBytes));
    expect(await written(h)).toEqual(before);
  });

  it('refuses an over-long artifactUri from the CLI’s local registry and writes nothing', async () => {
    const { h } = await serve();
    const before = await written(h);
    const useCases = bindUseCases(h.deps);
    const refused = await useCases
      .registerVersion(operator, {
        model,
        version: '1.0.0',
        artifactUri: overLong,
        artifactDigest: digest,
        lineage: {},
      })
      .then(
        () => undefined,
        (error: { code?: string; message?: string }) => error,
      );
    expectNamed(refused);
    expect(await written(h)).toEqual(before);
  });

  it('refuses to import an MLflow version with an over-long source and writes nothing', async () => {
    const { h } = await serve();
    const before = await written(h);
    const refused = await importMlflowVersion(h.deps, people.admin, {
      source: 'http://mlflow.example',
      dryRun: false,
      version: mlflowVersion(overLong),
    }).then(
      () => undefined,
      (error: { code?: string; message?: string }) => error,
    );
    expectNamed(refused);
    expect(await written(h)).toEqual(before);
  });

  it('answers "unchanged" for an imported version whose MLflow source has since grown over the limit', async () => {
    const { h } = await serve();
    const run = (source: string) =>
      importMlflowVersion(h.deps, people.admin, {
        source: 'http://mlflow.example',
        dryRun: false,
        version: mlflowVersion(source),
      });
    expect((await run(atLimit)).outcome).toBe('created');
    const before = await written(h);
    // A version imported before the limit existed looks the same to a re-run: already there.
    expect((await run(overLong)).outcome).toBe('unchanged');
    expect(await written(h)).toEqual(before);
  });

  it('refuses a model description over its limit and writes nothing', async () => {
    const { h } = await serve();
    const before = await h.deps.store.read((tx) => tx.audit.size());
    const policyDigest = (await h.deps.store.read((tx) => tx.models.get(model)))?.policyDigest;
    const refused = await registerModel(h.deps, people.admin, {
      name: 'wordy',
      ownerTeam: 'ml-platform',
      riskTier: 'medium',
      policyDigest: policyDigest ?? '',
      description: 'd'.repeat(maxModelDescriptionBytes + 1),
    }).then(
      () => undefined,
      (error: { code?: string; message?: string }) => error,
    );
    expect(refused?.code).toBe('invalid_input');
    expect(refused?.message).toContain(
      `model description is longer than ${maxModelDescriptionBytes}`,
    );
    expect(await h.deps.store.read((tx) => tx.audit.size())).toBe(before);
    expect(await h.deps.store.read((tx) => tx.models.get('wordy'))).toBeUndefined();
  });
});
