/**
 * MLflow's Python client against a live `clearance serve`, without Python's MLflow (PyPI is not
 * reachable here, so `MlflowClient` itself cannot be installed or run): every registry call the
 * client makes is sent exactly as it encodes it (python-client-wire.ts), and every answer is read
 * as the client reads it (mlflow-proto.ts): a success must be 200 with a JSON object that
 * protobuf's ParseDict accepts as the call's Response message, with no field the proto lacks; a
 * refusal must be a JSON object whose `error_code` the client knows, with that code's status, and
 * not a status the client retries. On SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../e2e/http-client.js';
import { type LiveServer, personTokenOn, startLiveServer } from '../e2e/live-server.js';
import { databaseEnginesFor, type FreshPostgres, freshPostgresDatabase } from '../store/engines.js';
import {
  type Decoded,
  decodeAs,
  errorCodeStatus,
  type MessageSpec,
  responses,
  retriedStatuses,
} from './mlflow-proto.js';
import { pythonClientCall, pythonQuery, type WireAnswer } from './python-client-wire.js';

const model = 'fidelity-ranker';
const policy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: fidelity-ranker, riskTier: low, owner: search }
roles: [model_owner, tech_lead, mlops]
transitions:
  - from: draft
    to: staging
    requestedBy: [model_owner]
    approvals: [{ role: tech_lead }]
`;

/** The answer as the client parses it into `spec`; fails as the client would fail. */
function success(answer: WireAnswer, spec: MessageSpec): Decoded {
  expect(answer.status, answer.text).toBe(200);
  expect(answer.contentType).toMatch(/^application\/json/);
  expect(
    typeof answer.json === 'object' && answer.json !== null && !Array.isArray(answer.json),
  ).toBe(true);
  const decoded = decodeAs(answer.json, spec);
  expect(decoded.unknown).toEqual([]);
  return decoded.value;
}

/** The refusal as the client raises it: a RestException with `code`, raised at once. */
function refusal(answer: WireAnswer, code: string): string {
  const body = answer.json as { error_code?: unknown; message?: unknown };
  expect(typeof body === 'object' && body !== null && !Array.isArray(body), answer.text).toBe(true);
  expect(body.error_code).toBe(code);
  expect(errorCodeStatus[code]).toBeDefined();
  expect(answer.status).toBe(errorCodeStatus[code]);
  expect(retriedStatuses).not.toContain(answer.status);
  expect(typeof body.message).toBe('string');
  return body.message as string;
}

const asVersion = (d: Decoded) => d.model_version as Decoded;
const asModel = (d: Decoded) => d.registered_model as Decoded;

describe('reading an answer as the Python client does', () => {
  const version = { name: 'm', version: '1', creation_timestamp: 1, status: 'READY' };

  it('refuses what ParseDict refuses: a number for a string, a fraction for an int64, an unknown enum', () => {
    expect(() =>
      decodeAs({ model_version: { ...version, version: 1 } }, responses.getModelVersion),
    ).toThrow('model_version.version: expected a string');
    expect(() =>
      decodeAs(
        { model_version: { ...version, creation_timestamp: 1.5 } },
        responses.getModelVersion,
      ),
    ).toThrow('expected an int64');
    expect(() =>
      decodeAs({ model_version: { ...version, status: 'DONE' } }, responses.getModelVersion),
    ).toThrow('is not a value of the enum');
    expect(() => decodeAs({ model_versions: [null] }, responses.searchModelVersions)).toThrow(
      'null is not allowed',
    );
  });

  it('reads int64 text, proto2 defaults for left-out fields, and reports unknown fields', () => {
    const { value, unknown } = decodeAs(
      { model_version: { name: 'm', creation_timestamp: '1700000000000', stage: 'x' } },
      responses.getModelVersion,
    );
    const read = value.model_version as Decoded;
    expect([read.creation_timestamp, read.version, read.tags]).toEqual([1_700_000_000_000, '', []]);
    // No status sent reads as PENDING_REGISTRATION: register_model would wait for it.
    expect(read.status).toBe('PENDING_REGISTRATION');
    expect(unknown).toEqual(['model_version.stage']);
  });
});

describe('the Python client wire encoding', () => {
  it('encodes GET parameters as requests does: quote_plus, lists repeated, numbers as text', () => {
    expect(
      pythonQuery({
        filter: "name LIKE 'fid%'",
        max_results: 100,
        order_by: ['name ASC', 'last_updated_timestamp DESC'],
        page_token: undefined,
      }),
    ).toBe(
      'filter=name+LIKE+%27fid%25%27&max_results=100&order_by=name+ASC&order_by=last_updated_timestamp+DESC',
    );
  });
});

for (const engine of databaseEnginesFor('MLflow Python client fidelity')) {
  describe(`MLflow's Python client, request for request [${engine}]`, () => {
    let server: LiveServer;
    let database: FreshPostgres | undefined;
    let admin: Parameters<typeof pythonClientCall>[0];
    let ci: Parameters<typeof pythonClientCall>[0];
    let digest: string;

    beforeAll(async () => {
      database = engine === 'postgres' ? await freshPostgresDatabase() : undefined;
      server = await startLiveServer(database?.url);
      admin = { trackingUri: server.url, token: server.adminToken };
      ci = {
        trackingUri: server.url,
        token: await personTokenOn(server, 'ci.bot', ['model_owner', 'mlops']),
      };
      digest = (
        await createClient({ server: server.url, token: server.adminToken }).call<{
          digest: string;
        }>('POST', '/api/v1/policies', { json: { text: policy }, idempotent: true })
      ).digest;
    }, 90_000);

    afterAll(async () => {
      await server?.stop();
      await database?.drop();
    });

    it('registers as MlflowClient and mlflow.register_model do (2.x and 3.x requests)', async () => {
      // create_registered_model(name, tags, description): CreateRegisteredModel in field order.
      const created = success(
        await pythonClientCall(admin, {
          method: 'POST',
          path: '/mlflow/registered-models/create',
          message: {
            name: model,
            tags: [
              { key: 'clearance.policy', value: digest },
              { key: 'team', value: 'search' },
            ],
            description: 'Ranks résumés',
          },
        }),
        responses.createRegisteredModel,
      );
      const rm = asModel(created);
      expect([rm.name, rm.description, rm.latest_versions, rm.aliases]).toEqual([
        model,
        'Ranks résumés',
        [],
        [],
      ]);
      expect(rm.creation_timestamp).toBeGreaterThan(1_600_000_000_000);
      // register_model creates the model first, untagged, and carries on from this exception.
      refusal(
        await pythonClientCall(ci, {
          method: 'POST',
          path: '/mlflow/registered-models/create',
          message: { name: model },
        }),
        'RESOURCE_ALREADY_EXISTS',
      );
      // create_model_version (2.x): name, source, run_id, tags; then it polls get_model_version
      // until the status is not PENDING_REGISTRATION, the enum's default when none is sent.
      const v1 = asVersion(
        success(
          await pythonClientCall(ci, {
            method: 'POST',
            path: '/mlflow/model-versions/create',
            message: {
              name: model,
              source: 'runs:/0123abcd/model',
              run_id: '0123abcd',
              tags: [{ key: 'mlflow.source.git.commit', value: '9f2c1e7' }],
            },
          }),
          responses.createModelVersion,
        ),
      );
      expect([v1.version, v1.status, v1.current_stage, v1.run_id]).toEqual([
        '1',
        'READY',
        'None',
        '0123abcd',
      ]);
      // 3.x adds model_id (a logged model): an unknown field to Clearance, ignored.
      const v2 = asVersion(
        success(
          await pythonClientCall(
            { ...ci, version: '3.1.0' },
            {
              method: 'POST',
              path: '/mlflow/model-versions/create',
              message: {
                name: model,
                source: 'models:/m-5f1e',
                run_id: '4567efgh',
                description: 'second',
                model_id: 'm-5f1e',
              },
            },
          ),
          responses.createModelVersion,
        ),
      );
      expect([v2.version, v2.status, v2.description]).toEqual(['2', 'READY', 'second']);
      const got = asVersion(
        success(
          await pythonClientCall(ci, {
            method: 'GET',
            path: '/mlflow/model-versions/get',
            message: { name: model, version: '1' },
          }),
          responses.getModelVersion,
        ),
      );
      expect(got.status).toBe('READY');
      expect(got.tags).toEqual([{ key: 'mlflow.source.git.commit', value: '9f2c1e7' }]);
    });

    it('answers the reads and searches in the Response messages the client parses', async () => {
      const rm = asModel(
        success(
          await pythonClientCall(ci, {
            method: 'GET',
            path: '/mlflow/registered-models/get',
            message: { name: model },
          }),
          responses.getRegisteredModel,
        ),
      );
      expect((rm.latest_versions as Decoded[]).map((v) => [v.version, v.current_stage])).toEqual([
        ['2', 'None'],
      ]);
      // search_registered_models: MlflowClient's default max_results is 100, order_by a list.
      const page = success(
        await pythonClientCall(ci, {
          method: 'GET',
          path: '/mlflow/registered-models/search',
          message: {
            filter: "name LIKE 'fidelity%'",
            max_results: 100,
            order_by: ['name ASC', 'last_updated_timestamp DESC'],
          },
        }),
        responses.searchRegisteredModels,
      );
      expect((page.registered_models as Decoded[]).map((m) => m.name)).toEqual([model]);
      expect(page.next_page_token).toBe('');
      // search_model_versions: default max_results 10000; a page of one, then its token.
      const first = success(
        await pythonClientCall(ci, {
          method: 'GET',
          path: '/mlflow/model-versions/search',
          message: { filter: `name='${model}'`, max_results: 1, order_by: ['version_number DESC'] },
        }),
        responses.searchModelVersions,
      );
      expect((first.model_versions as Decoded[]).map((v) => v.version)).toEqual(['2']);
      expect(first.next_page_token).not.toBe('');
      const second = success(
        await pythonClientCall(ci, {
          method: 'GET',
          path: '/mlflow/model-versions/search',
          message: {
            filter: `name='${model}'`,
            max_results: 1,
            order_by: ['version_number DESC'],
            page_token: first.next_page_token as string,
          },
        }),
        responses.searchModelVersions,
      );
      expect((second.model_versions as Decoded[]).map((v) => v.version)).toEqual(['1']);
      // get_latest_versions posts first (the proto's first endpoint for it).
      const latest = success(
        await pythonClientCall(ci, {
          method: 'POST',
          path: '/mlflow/registered-models/get-latest-versions',
          message: { name: model, stages: ['None'] },
        }),
        responses.getLatestVersions,
      );
      expect((latest.model_versions as Decoded[]).map((v) => v.version)).toEqual(['2']);
      const uri = success(
        await pythonClientCall(ci, {
          method: 'GET',
          path: '/mlflow/model-versions/get-download-uri',
          message: { name: model, version: '2' },
        }),
        responses.getModelVersionDownloadUri,
      );
      expect(uri.artifact_uri).toBe('models:/m-5f1e');
    });

    it('takes tags, aliases and descriptions as the client sends them, answering {}', async () => {
      const calls: [string, 'POST' | 'DELETE', Record<string, string>][] = [
        ['/mlflow/registered-models/set-tag', 'POST', { name: model, key: 'k', value: 'v' }],
        ['/mlflow/registered-models/delete-tag', 'DELETE', { name: model, key: 'k' }],
        [
          '/mlflow/model-versions/set-tag',
          'POST',
          { name: model, version: '1', key: 'k', value: 'v' },
        ],
        ['/mlflow/model-versions/delete-tag', 'DELETE', { name: model, version: '1', key: 'k' }],
        ['/mlflow/registered-models/alias', 'POST', { name: model, alias: 'shadow', version: '1' }],
      ];
      for (const [path, method, message] of calls)
        expect(
          success(await pythonClientCall(ci, { method, path, message }), responses.empty),
        ).toEqual({});
      const byAlias = asVersion(
        success(
          await pythonClientCall(ci, {
            method: 'GET',
            path: '/mlflow/registered-models/alias',
            message: { name: model, alias: 'shadow' },
          }),
          responses.getModelVersionByAlias,
        ),
      );
      expect([byAlias.version, byAlias.aliases]).toEqual(['1', ['shadow']]);
      const removed = await pythonClientCall(ci, {
        method: 'DELETE',
        path: '/mlflow/registered-models/alias',
        message: { name: model, alias: 'shadow' },
      });
      expect(success(removed, responses.empty)).toEqual({});
      const updated = asModel(
        success(
          await pythonClientCall(ci, {
            method: 'PATCH',
            path: '/mlflow/registered-models/update',
            message: { name: model, description: 'Ranks CVs' },
          }),
          responses.updateRegisteredModel,
        ),
      );
      expect(updated.description).toBe('Ranks CVs');
      const version = asVersion(
        success(
          await pythonClientCall(ci, {
            method: 'PATCH',
            path: '/mlflow/model-versions/update',
            message: { name: model, version: '1', description: 'first' },
          }),
          responses.updateModelVersion,
        ),
      );
      expect(version.description).toBe('first');
    });

    it('refuses as the client raises at once: governance, unsupported calls, bad input, no token', async () => {
      // transition_model_version_stage always sends archive_existing_versions (required).
      const governed = refusal(
        await pythonClientCall(ci, {
          method: 'POST',
          path: '/mlflow/model-versions/transition-stage',
          message: {
            name: model,
            version: '1',
            stage: 'Staging',
            archive_existing_versions: false,
          },
        }),
        'PERMISSION_DENIED',
      );
      expect(governed).toContain('tech_lead');
      refusal(
        await pythonClientCall(ci, {
          method: 'DELETE',
          path: '/mlflow/model-versions/delete',
          message: { name: model, version: '1' },
        }),
        'NOT_IMPLEMENTED',
      );
      refusal(
        await pythonClientCall(admin, {
          method: 'POST',
          path: '/mlflow/registered-models/rename',
          message: { name: model, new_name: 'other' },
        }),
        'NOT_IMPLEMENTED',
      );
      refusal(
        await pythonClientCall(ci, {
          method: 'GET',
          path: '/mlflow/registered-models/get',
          message: { name: 'no-such-model' },
        }),
        'RESOURCE_DOES_NOT_EXIST',
      );
      // models:/name@alias with an alias the model lacks: MLflow's store says INVALID_PARAMETER_VALUE.
      refusal(
        await pythonClientCall(ci, {
          method: 'GET',
          path: '/mlflow/registered-models/alias',
          message: { name: model, alias: 'no-such-alias' },
        }),
        'INVALID_PARAMETER_VALUE',
      );
      refusal(
        await pythonClientCall(ci, {
          method: 'GET',
          path: '/mlflow/model-versions/search',
          message: { filter: 'name ~ 1', max_results: 10000 },
        }),
        'INVALID_PARAMETER_VALUE',
      );
      refusal(
        await pythonClientCall(ci, {
          method: 'GET',
          path: '/mlflow/registered-models/search',
          message: { max_results: 100000 },
        }),
        'INVALID_PARAMETER_VALUE',
      );
      refusal(
        await pythonClientCall(
          { trackingUri: server.url },
          { method: 'GET', path: '/mlflow/registered-models/get', message: { name: model } },
        ),
        'UNAUTHENTICATED',
      );
      // A call the client makes on an endpoint Clearance lacks falls back or raises on this code.
      refusal(
        await pythonClientCall(ci, {
          method: 'GET',
          path: '/mlflow/runs/get',
          message: { run_id: '0123abcd' },
        }),
        'ENDPOINT_NOT_FOUND',
      );
    });
  });
}
