/**
 * The MLflow-compatible Model Registry API against a live `clearance serve`, on SQLite and on
 * PostgreSQL, driven by the typed MLflow client: registration, reads, searches, the governed
 * Staging/Production transitions and aliases (issue 14's "Done when"), rename and delete refused, and
 * MLflow's error format.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../e2e/http-client.js';
import { type LiveServer, personTokenOn, startLiveServer } from '../e2e/live-server.js';
import { databaseEnginesFor, type FreshPostgres, freshPostgresDatabase } from '../store/engines.js';
import { createMlflowClient, type MlflowClient, mlflowRefusal } from './mlflow-client.js';

const model = 'fraud-score';
const policy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: fraud-score, riskTier: high, owner: ml-platform }
roles: [model_owner, tech_lead, mlops, risk_officer]
transitions:
  - from: draft
    to: staging
    requestedBy: [model_owner]
    approvals: [{ role: tech_lead }]
  - from: staging
    to: production
    requestedBy: [mlops]
    gates: [{ id: repro, type: reproducibility, require: [codeCommit, seed] }]
    approvals: [{ role: risk_officer }]
  - from: staging
    to: deprecated
    requestedBy: [mlops]
  - from: production
    to: deprecated
    requestedBy: [mlops]
`;

const lineageTags = [
  { key: 'mlflow.source.git.commit', value: '9f2c1e7' },
  { key: 'clearance.lineage.seed', value: '42' },
  { key: 'team', value: 'risk' },
];

/** The transition request a governance refusal links to. */
function requestIdIn(message: string): string {
  const id = /\/api\/v1\/requests\/([0-9a-f-]+)/.exec(message)?.[1];
  if (!id) throw new Error(`no request link in: ${message}`);
  return id;
}

for (const engine of databaseEnginesFor('MLflow API')) {
  describe(`MLflow API over a live server [${engine}]`, () => {
    let server: LiveServer;
    let database: FreshPostgres | undefined;
    let admin: MlflowClient;
    let ci: MlflowClient;
    let tokens: Record<'ci' | 'tech' | 'risk', string>;

    beforeAll(async () => {
      database = engine === 'postgres' ? await freshPostgresDatabase() : undefined;
      server = await startLiveServer(database?.url, {
        CLEARANCE_PUBLIC_URL: 'https://clearance.example.com',
      });
      tokens = {
        ci: await personTokenOn(server, 'ci.bot', ['model_owner', 'mlops']),
        tech: await personTokenOn(server, 'tina.tech', ['tech_lead']),
        risk: await personTokenOn(server, 'rita.risk', ['risk_officer']),
      };
      admin = createMlflowClient({ trackingUri: server.url, token: server.adminToken });
      ci = createMlflowClient({ trackingUri: server.url, token: tokens.ci });
    }, 60_000);

    afterAll(async () => {
      await server?.stop();
      await database?.drop();
    });

    const approve = (who: 'tech' | 'risk', role: string, requestId: string) =>
      createClient({ server: server.url, token: tokens[who] }).call(
        'POST',
        `/api/v1/requests/${requestId}/approvals`,
        {
          json: { decision: 'approve', role, comment: 'Looks good.', riskClass: 'low' },
          idempotent: true,
        },
      );

    it('creates a registered model under the policy its tag names, once', async () => {
      const untagged = await mlflowRefusal(admin.createRegisteredModel({ name: model }));
      expect(untagged.status).toBe(400);
      expect(untagged.errorCode).toBe('INVALID_PARAMETER_VALUE');
      expect(untagged.message).toContain('clearance.policy');

      const registered = await createClient({ server: server.url, token: server.adminToken }).call<{
        digest: string;
      }>('POST', '/api/v1/policies', { json: { text: policy }, idempotent: true });
      const created = await admin.createRegisteredModel({
        name: model,
        description: 'Card fraud scores',
        tags: [
          { key: 'clearance.policy', value: registered.digest },
          { key: 'clearance.owner_team', value: 'fraud-ml' },
        ],
      });
      expect(created).toMatchObject({
        name: model,
        description: 'Card fraud scores',
        user_id: 'alice.admin',
        latest_versions: [],
        aliases: [],
      });
      expect(created.tags).toContainEqual({ key: 'clearance.risk_tier', value: 'high' });
      expect(Number.isInteger(created.creation_timestamp)).toBe(true);
      expect(Math.abs(created.creation_timestamp - Date.now())).toBeLessThan(60_000);

      const again = await mlflowRefusal(
        admin.createRegisteredModel({
          name: model,
          tags: [{ key: 'clearance.policy', value: registered.digest }],
        }),
      );
      expect([again.status, again.errorCode]).toEqual([400, 'RESOURCE_ALREADY_EXISTS']);
      // mlflow.register_model creates the model first, untagged, as whoever runs the training.
      const untaggedAgain = await mlflowRefusal(ci.createRegisteredModel({ name: model }));
      expect([untaggedAgain.status, untaggedAgain.errorCode]).toEqual([
        400,
        'RESOURCE_ALREADY_EXISTS',
      ]);
      expect(untaggedAgain.message).toContain(`Registered Model (name=${model}) already exists.`);
    });

    it('registers numbered draft versions with lineage from run_id, source and tags', async () => {
      const one = await ci.createModelVersion({
        name: model,
        source: 's3://models/fraud/1',
        run_id: 'run-aaa',
        tags: lineageTags,
        description: 'First',
      });
      expect(one).toMatchObject({
        name: model,
        version: '1',
        current_stage: 'None',
        status: 'READY',
        source: 's3://models/fraud/1',
        run_id: 'run-aaa',
        user_id: 'ci.bot',
        description: 'First',
        aliases: [],
      });
      // Tags are a set in MLflow: their order is not part of the answer.
      const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
      expect(one.tags.sort(byKey)).toEqual([...lineageTags].sort(byKey));
      const two = await ci.createModelVersion({ name: model, source: 's3://models/fraud/2' });
      expect(two.version).toBe('2');
      expect((await ci.getModelVersion(model, '1')).tags.sort(byKey)).toEqual(one.tags);
      expect(await ci.getModelVersionDownloadUri(model, '2')).toBe('s3://models/fraud/2');

      const native = await createClient({ server: server.url, token: tokens.ci }).call<{
        state: string;
        lineage: Record<string, unknown>;
      }>('GET', `/api/v1/models/${model}/versions/1`);
      expect(native.state).toBe('draft');
      expect(native.lineage).toMatchObject({
        trainingRunId: 'run-aaa',
        codeCommit: '9f2c1e7',
        seed: 42,
      });

      const missing = await mlflowRefusal(ci.getModelVersion(model, '99'));
      expect([missing.status, missing.errorCode]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
      const noModel = await mlflowRefusal(ci.createModelVersion({ name: 'nope', source: 'x' }));
      expect(noModel.errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
    });

    it('searches versions and models with filters, order_by and page tokens', async () => {
      const byTag = await ci.searchModelVersions({
        filter: `name = '${model}' AND tags.team = 'risk'`,
      });
      expect(byTag.model_versions?.map((v) => v.version)).toEqual(['1']);
      const byRun = await ci.searchModelVersions({ filter: "run_id = 'run-aaa'" });
      expect(byRun.model_versions?.map((v) => v.version)).toEqual(['1']);
      const byNumber = await ci.searchModelVersions({
        filter: `name LIKE 'fraud%' AND version_number >= 2`,
      });
      expect(byNumber.model_versions?.map((v) => v.version)).toEqual(['2']);

      const first = await ci.searchModelVersions({
        filter: `name = '${model}'`,
        order_by: ['version_number ASC'],
        max_results: 1,
      });
      expect(first.model_versions?.map((v) => v.version)).toEqual(['1']);
      expect(first.next_page_token).toBeTypeOf('string');
      const second = await ci.searchModelVersions({
        filter: `name = '${model}'`,
        order_by: ['version_number ASC'],
        max_results: 1,
        page_token: first.next_page_token as string,
      });
      expect(second.model_versions?.map((v) => v.version)).toEqual(['2']);
      expect(second.next_page_token).toBeUndefined();

      const models = await ci.searchRegisteredModels({ filter: "name ILIKE 'FRAUD-%'" });
      expect(models.registered_models?.map((m) => m.name)).toEqual([model]);
      const none = await ci.searchRegisteredModels({ filter: "name = 'other'" });
      expect(none.registered_models).toEqual([]);

      for (const filter of ["name = 'x' OR name = 'y'", 'version_number > two', "stage = 'x'"]) {
        const bad = await mlflowRefusal(ci.searchModelVersions({ filter }));
        expect([bad.status, bad.errorCode]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
      }
      const badOrder = await mlflowRefusal(ci.searchModelVersions({ order_by: ['size DESC'] }));
      expect(badOrder.errorCode).toBe('INVALID_PARAMETER_VALUE');
      const badToken = await mlflowRefusal(ci.searchModelVersions({ page_token: 'garbage' }));
      expect(badToken.errorCode).toBe('INVALID_PARAMETER_VALUE');
    });

    it('refuses Staging and Production until the sign-offs are in, then moves (Done when)', async () => {
      const staging = await mlflowRefusal(
        ci.transitionModelVersionStage({ name: model, version: '1', stage: 'Staging' }),
      );
      expect([staging.status, staging.errorCode]).toEqual([403, 'PERMISSION_DENIED']);
      expect(staging.message).toContain('Needs 1 more tech_lead approval(s).');
      expect(staging.message).toContain('https://clearance.example.com/api/v1/requests/');
      const stagingRequest = requestIdIn(staging.message);
      // Asking again finds the same open request: no second one.
      const again = await mlflowRefusal(
        ci.transitionModelVersionStage({ name: model, version: '1', stage: 'Staging' }),
      );
      expect(requestIdIn(again.message)).toBe(stagingRequest);
      expect((await ci.getModelVersion(model, '1')).current_stage).toBe('None');

      await approve('tech', 'tech_lead', stagingRequest);
      const staged = await ci.transitionModelVersionStage({
        name: model,
        version: '1',
        stage: 'Staging',
      });
      expect(staged.current_stage).toBe('Staging');

      const production = await mlflowRefusal(
        ci.transitionModelVersionStage({ name: model, version: '1', stage: 'Production' }),
      );
      expect([production.status, production.errorCode]).toEqual([403, 'PERMISSION_DENIED']);
      expect(production.message).toContain('Needs 1 more risk_officer approval(s).');
      expect(await ci.getLatestVersions(model, ['Production'])).toEqual([]);
      const noAlias = await mlflowRefusal(ci.getModelVersionByAlias(model, 'champion'));
      // A governed alias names no version until one is in production: MLflow's missing-alias error.
      expect([noAlias.status, noAlias.errorCode]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
      // The governed alias asks for the same promotion, so it finds the same request.
      const viaAlias = await mlflowRefusal(ci.setRegisteredModelAlias(model, 'champion', '1'));
      expect(viaAlias.errorCode).toBe('PERMISSION_DENIED');
      const productionRequest = requestIdIn(production.message);
      expect(requestIdIn(viaAlias.message)).toBe(productionRequest);

      await approve('risk', 'risk_officer', productionRequest);
      await ci.setRegisteredModelAlias(model, 'champion', '1');

      const promoted = await ci.getModelVersion(model, '1');
      expect(promoted.current_stage).toBe('Production');
      expect(promoted.aliases).toEqual(['production', 'champion']);
      expect((await ci.getLatestVersions(model, ['Production'])).map((v) => v.version)).toEqual([
        '1',
      ]);
      expect((await ci.getModelVersionByAlias(model, 'champion')).version).toBe('1');
      expect((await ci.getModelVersionByAlias(model, 'production')).version).toBe('1');
      const serving = await createClient({ server: server.url, token: tokens.ci }).call<{
        production?: { version: string };
      }>('GET', `/api/v1/models/${model}/serving`);
      expect(serving.production?.version).toBe('1');

      const registered = await ci.getRegisteredModel(model);
      expect(registered.aliases).toEqual([
        { alias: 'production', version: '1' },
        { alias: 'champion', version: '1' },
      ]);
      expect(registered.latest_versions.map((v) => [v.current_stage, v.version])).toEqual([
        ['None', '2'],
        ['Production', '1'],
      ]);
      // Asking for the stage the version is in already answers it unchanged.
      const same = await ci.transitionModelVersionStage({
        name: model,
        version: '1',
        stage: 'Production',
      });
      expect(same.current_stage).toBe('Production');
    });

    it('refuses a version the gates fail, naming the gate', async () => {
      const staging = await mlflowRefusal(
        ci.transitionModelVersionStage({ name: model, version: '2', stage: 'Staging' }),
      );
      await approve('tech', 'tech_lead', requestIdIn(staging.message));
      await ci.transitionModelVersionStage({ name: model, version: '2', stage: 'Staging' });
      const refused = await mlflowRefusal(
        ci.transitionModelVersionStage({ name: model, version: '2', stage: 'Production' }),
      );
      expect(refused.errorCode).toBe('PERMISSION_DENIED');
      expect(refused.message).toContain('Gate repro is error: Reproducibility cannot be checked');
      expect(refused.message).toContain('Needs 1 more risk_officer approval(s).');
      const none = await mlflowRefusal(
        ci.transitionModelVersionStage({ name: model, version: '2', stage: 'None' }),
      );
      expect(none.errorCode).toBe('INVALID_PARAMETER_VALUE');
      const bogus = await mlflowRefusal(
        ci.call('POST', 'model-versions/transition-stage', {
          name: model,
          version: '2',
          stage: 'Shipped',
        }),
      );
      expect(bogus.errorCode).toBe('INVALID_PARAMETER_VALUE');
      // A plain alias is a pointer: it moves nothing (mlflow-metadata.test.ts covers the rest).
      await ci.setRegisteredModelAlias(model, 'challenger', '2');
      expect((await ci.getModelVersion(model, '2')).current_stage).toBe('Staging');
    });

    it('answers rename and delete with NOT_IMPLEMENTED and the reason', async () => {
      const calls = [
        () => ci.renameRegisteredModel(model, 'renamed'),
        () => ci.deleteRegisteredModel(model),
        () => ci.deleteModelVersion(model, '1'),
      ];
      for (const call of calls) {
        const refused = await mlflowRefusal(call());
        expect([refused.status, refused.errorCode]).toEqual([501, 'NOT_IMPLEMENTED']);
        expect(refused.message.length).toBeGreaterThan(20);
      }
      const governed = await mlflowRefusal(ci.deleteRegisteredModelAlias(model, 'champion'));
      expect([governed.status, governed.errorCode]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
      expect(governed.message).toContain('clearance rollback');
      expect((await ci.getModelVersion(model, '1')).current_stage).toBe('Production');
      expect((await ci.getModelVersion(model, '1')).aliases).toEqual(['production', 'champion']);
    });

    it('serves the ajax-api prefix, MLflow errors for auth and unknown endpoints', async () => {
      const ajax = createMlflowClient({
        trackingUri: server.url,
        token: tokens.ci,
        prefix: '/ajax-api/2.0/mlflow',
      });
      expect((await ajax.getRegisteredModel(model)).name).toBe(model);
      const anonymous = createMlflowClient({ trackingUri: server.url });
      const noToken = await mlflowRefusal(anonymous.getRegisteredModel(model));
      expect([noToken.status, noToken.errorCode]).toEqual([401, 'UNAUTHENTICATED']);
      const unknown = await mlflowRefusal(ci.call('GET', 'experiments/list'));
      expect([unknown.status, unknown.errorCode]).toEqual([404, 'ENDPOINT_NOT_FOUND']);
      const missing = await mlflowRefusal(ci.call('GET', 'registered-models/get'));
      expect([missing.status, missing.errorCode]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    });

    it('audits the MLflow calls as any other', async () => {
      const page = await createClient({ server: server.url, token: server.adminToken }).call<{
        entries: { entry: { action: string; actor: { id: string } } }[];
      }>('GET', '/api/v1/audit/entries', { query: { limit: '1000' } });
      const actions = JSON.stringify(page);
      for (const action of ['model.registered', 'version.registered', 'transition.requested'])
        expect(actions).toContain(action);
      // The MLflow caller is the actor of what its calls did: its requests and its executions.
      const by = (action: string) =>
        page.entries
          .filter((e) => e.entry.action === action)
          .map((e) => e.entry.actor.id)
          .sort();
      expect(by('version.registered')).toEqual(['ci.bot', 'ci.bot']);
      expect(by('transition.requested')).toEqual(['ci.bot', 'ci.bot', 'ci.bot', 'ci.bot']);
      expect(by('transition.executed')).toEqual(['ci.bot', 'ci.bot', 'ci.bot']);
    });

    it('archives through the policy: production → deprecated is Archived, and the aliases go', async () => {
      const archived = await ci.transitionModelVersionStage({
        name: model,
        version: '1',
        stage: 'Archived',
      });
      expect(archived.current_stage).toBe('Archived');
      expect(archived.aliases).toEqual([]);
      expect(await ci.getLatestVersions(model, ['Production'])).toEqual([]);
      // Version 2 waits in staging with an open production request: archiving it waits for that.
      const waiting = await mlflowRefusal(
        ci.transitionModelVersionStage({ name: model, version: '2', stage: 'Archived' }),
      );
      expect(waiting.errorCode).toBe('PERMISSION_DENIED');
      expect(waiting.message).toMatch(/has open request \S+ \(staging → production\); cancel it/);
      const draft = await ci.createModelVersion({ name: model, source: 's3://models/fraud/3' });
      const noArchive = await mlflowRefusal(
        ci.transitionModelVersionStage({ name: model, version: draft.version, stage: 'Archived' }),
      );
      expect(noArchive.errorCode).toBe('INVALID_PARAMETER_VALUE');
      expect(noArchive.message).toContain('no transition from draft to archived or deprecated');
    });

    it('joins one request when two MLflow calls ask for the same stage at once', async () => {
      const fresh = await ci.createModelVersion({ name: model, source: 's3://models/fraud/4' });
      const ask = () =>
        mlflowRefusal(
          ci.transitionModelVersionStage({ name: model, version: fresh.version, stage: 'Staging' }),
        );
      const [a, b] = await Promise.all([ask(), ask()]);
      expect([a.errorCode, b.errorCode]).toEqual(['PERMISSION_DENIED', 'PERMISSION_DENIED']);
      expect(requestIdIn(a.message)).toBe(requestIdIn(b.message));
    });

    it('numbers versions registered at once, as a sweep of training jobs does, each once', async () => {
      const before = await ci.searchModelVersions({ filter: `name = '${model}'` });
      const highest = Math.max(...(before.model_versions ?? []).map((v) => Number(v.version)));
      const jobs = 12;
      const created = await Promise.all(
        Array.from({ length: jobs }, (_, i) =>
          ci.createModelVersion({ name: model, source: `s3://models/fraud/sweep-${i}` }),
        ),
      );
      const numbers = created.map((v) => Number(v.version)).sort((x, y) => x - y);
      expect(numbers).toEqual(Array.from({ length: jobs }, (_, i) => highest + 1 + i));
      const sources = new Set(created.map((v) => v.source));
      expect(sources.size).toBe(jobs);
    });
  });
}
