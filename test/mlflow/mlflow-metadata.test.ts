/**
 * MLflow's mutable metadata against a live `clearance serve`, on SQLite and PostgreSQL, through the
 * typed client: registered-model and model-version tags (set, delete, search by them), plain
 * aliases (set, move, get, delete), descriptions (update), who may change them, MLflow's errors,
 * and the audit entry each change writes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../e2e/http-client.js';
import { type LiveServer, personTokenOn, startLiveServer } from '../e2e/live-server.js';
import { databaseEnginesFor, type FreshPostgres, freshPostgresDatabase } from '../store/engines.js';
import { createMlflowClient, type MlflowClient, mlflowRefusal } from './mlflow-client.js';

const model = 'churn';
const policy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: churn, riskTier: low, owner: growth }
roles: [model_owner, tech_lead, mlops]
transitions:
  - from: draft
    to: staging
    requestedBy: [model_owner]
    approvals: [{ role: tech_lead }]
`;

const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);

for (const engine of databaseEnginesFor('MLflow metadata')) {
  describe(`MLflow tags, aliases and descriptions over a live server [${engine}]`, () => {
    let server: LiveServer;
    let database: FreshPostgres | undefined;
    let ci: MlflowClient;
    let viewer: MlflowClient;
    let admin: MlflowClient;
    let policyDigest: string;

    beforeAll(async () => {
      database = engine === 'postgres' ? await freshPostgresDatabase() : undefined;
      server = await startLiveServer(database?.url);
      ci = createMlflowClient({
        trackingUri: server.url,
        token: await personTokenOn(server, 'ci.bot', ['model_owner', 'mlops']),
      });
      viewer = createMlflowClient({
        trackingUri: server.url,
        token: await personTokenOn(server, 'tina.tech', ['tech_lead']),
      });
      admin = createMlflowClient({ trackingUri: server.url, token: server.adminToken });
      const { digest } = await createClient({ server: server.url, token: server.adminToken }).call<{
        digest: string;
      }>('POST', '/api/v1/policies', { json: { text: policy }, idempotent: true });
      policyDigest = digest;
      await admin.createRegisteredModel({
        name: model,
        tags: [
          { key: 'clearance.policy', value: digest },
          { key: 'domain', value: 'retention' },
        ],
      });
      await ci.createModelVersion({
        name: model,
        source: 's3://models/churn/1',
        description: 'first cut',
        tags: [{ key: 'dataset', value: 'q3' }],
      });
      await ci.createModelVersion({ name: model, source: 's3://models/churn/2' });
    }, 90_000);

    afterAll(async () => {
      await server?.stop();
      await database?.drop();
    });

    const auditActions = async () => {
      const page = await createClient({ server: server.url, token: server.adminToken }).call<{
        entries: { entry: { action: string; subject: { id: string }; data: unknown } }[];
      }>('GET', '/api/v1/audit/entries', { query: { limit: '1000' } });
      return page.entries.map((e) => e.entry);
    };

    it('keeps the tags given at model creation beside the read-only clearance.* views', async () => {
      const found = await ci.getRegisteredModel(model);
      expect(found.tags).toContainEqual({ key: 'domain', value: 'retention' });
      expect(found.tags).toContainEqual({ key: 'clearance.risk_tier', value: 'low' });
    });

    it('creates a model and its tags in one transaction: a refused tag leaves no model behind', async () => {
      const before = await auditActions();
      const refused = await mlflowRefusal(
        admin.createRegisteredModel({
          name: 'half-made',
          description: 'never registered',
          tags: [
            { key: 'clearance.policy', value: policyDigest },
            { key: 'domain', value: 'retention' },
            { key: 'k'.repeat(251), value: 'too long a key' },
          ],
        }),
      );
      expect([refused.status, refused.errorCode]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
      expect(refused.message).toContain('at most 250 characters');
      const missing = await mlflowRefusal(admin.getRegisteredModel('half-made'));
      expect(missing.errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
      const after = await auditActions();
      expect(after.filter((e) => e.subject.id.startsWith('half-made'))).toEqual([]);
      expect(after).toHaveLength(before.length);

      const created = await admin.createRegisteredModel({
        name: 'half-made',
        tags: [
          { key: 'clearance.policy', value: policyDigest },
          { key: 'domain', value: 'retention' },
        ],
      });
      expect(created.tags).toContainEqual({ key: 'domain', value: 'retention' });
      const written = (await auditActions()).slice(after.length);
      expect(written.map((e) => [e.action, e.subject.id])).toEqual([
        ['model.registered', 'half-made'],
        ['model.tag_set', 'half-made'],
      ]);
    });

    it('registers a version, its tags and its lineage evidence together, or none of them', async () => {
      const before = await auditActions();
      const refused = await mlflowRefusal(
        ci.createModelVersion({
          name: model,
          source: 's3://models/churn/bad',
          tags: [
            { key: 'mlflow.source.git.commit', value: '9f2c1e7' },
            { key: 'k'.repeat(251), value: 'x' },
          ],
        }),
      );
      expect([refused.status, refused.errorCode]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
      const versions = await ci.searchModelVersions({ filter: `name = '${model}'` });
      expect(versions.model_versions?.map((v) => v.version).sort()).toEqual(['1', '2']);
      expect(await auditActions()).toHaveLength(before.length);

      const made = await ci.createModelVersion({
        name: 'half-made',
        source: 's3://models/half-made/1',
        tags: [{ key: 'mlflow.source.git.commit', value: '9f2c1e7' }],
      });
      expect(made.tags).toEqual([{ key: 'mlflow.source.git.commit', value: '9f2c1e7' }]);
      const written = (await auditActions()).slice(before.length);
      expect(written.map((e) => [e.action, e.subject.id])).toEqual([
        ['version.registered', 'half-made@1'],
        ['evidence.attached', 'half-made@1'],
      ]);
    });

    it('sets, overwrites and deletes registered-model tags, searchable by tags.k', async () => {
      await ci.setRegisteredModelTag(model, 'team', 'growth');
      await ci.setRegisteredModelTag(model, 'team', 'retention');
      expect((await ci.getRegisteredModel(model)).tags).toContainEqual({
        key: 'team',
        value: 'retention',
      });
      const hit = await ci.searchRegisteredModels({ filter: "tags.team = 'retention'" });
      expect(hit.registered_models?.map((m) => m.name)).toEqual([model]);
      const miss = await ci.searchRegisteredModels({ filter: "tags.team = 'growth'" });
      expect(miss.registered_models ?? []).toEqual([]);

      await ci.deleteRegisteredModelTag(model, 'team');
      expect((await ci.getRegisteredModel(model)).tags.map((t) => t.key)).not.toContain('team');
      // MLflow's store deletes a tag that is not there without complaint.
      await ci.deleteRegisteredModelTag(model, 'team');

      const entries = await auditActions();
      expect(
        entries.filter((e) => e.action === 'model.tag_set' && e.subject.id === model),
      ).toHaveLength(3);
      expect(entries.filter((e) => e.action === 'model.tag_deleted')).toHaveLength(2);
      expect(entries).toContainEqual(
        expect.objectContaining({
          action: 'model.tag_set',
          data: { key: 'team', value: 'growth' },
        }),
      );
    });

    it('refuses the read-only clearance.* tags, unknown models and readers without the roles', async () => {
      const readOnly = await mlflowRefusal(
        ci.setRegisteredModelTag(model, 'clearance.policy', 'x'),
      );
      expect([readOnly.status, readOnly.errorCode]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
      expect(readOnly.message).toContain('read-only');
      const empty = await mlflowRefusal(ci.setRegisteredModelTag(model, '', 'x'));
      expect(empty.errorCode).toBe('INVALID_PARAMETER_VALUE');
      const long = await mlflowRefusal(ci.setModelVersionTag(model, '1', 'k', 'x'.repeat(5001)));
      expect(long.errorCode).toBe('INVALID_PARAMETER_VALUE');
      const unknown = await mlflowRefusal(ci.setRegisteredModelTag('nope', 'k', 'v'));
      expect([unknown.status, unknown.errorCode]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
      const noVersion = await mlflowRefusal(ci.setModelVersionTag(model, '9', 'k', 'v'));
      expect([noVersion.status, noVersion.errorCode]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
      const denied = await mlflowRefusal(viewer.setRegisteredModelTag(model, 'k', 'v'));
      expect([denied.status, denied.errorCode]).toEqual([403, 'PERMISSION_DENIED']);
      const deniedUpdate = await mlflowRefusal(viewer.updateRegisteredModel(model, 'mine'));
      expect(deniedUpdate.errorCode).toBe('PERMISSION_DENIED');
      expect((await ci.getRegisteredModel(model)).tags.map((t) => t.key)).not.toContain('k');
      const denials = (await auditActions()).filter((e) => e.action === 'access.denied');
      expect(denials.length).toBeGreaterThanOrEqual(2);
    });

    it('sets and deletes version tags over the ones given at registration', async () => {
      await ci.setModelVersionTag(model, '1', 'validated', 'yes');
      await ci.deleteModelVersionTag(model, '1', 'dataset');
      await ci.deleteModelVersionTag(model, '1', 'never-set');
      const one = await ci.getModelVersion(model, '1');
      expect(one.tags.sort(byKey)).toEqual([{ key: 'validated', value: 'yes' }]);
      const found = await ci.searchModelVersions({ filter: "tags.validated = 'yes'" });
      expect(found.model_versions?.map((v) => v.version)).toEqual(['1']);
      const gone = await ci.searchModelVersions({ filter: "tags.dataset = 'q3'" });
      expect(gone.model_versions ?? []).toEqual([]);
      // Setting it again brings it back with the new value.
      await ci.setModelVersionTag(model, '1', 'dataset', 'q4');
      expect((await ci.getModelVersion(model, '1')).tags).toContainEqual({
        key: 'dataset',
        value: 'q4',
      });
      const entries = await auditActions();
      expect(entries).toContainEqual(
        expect.objectContaining({
          action: 'version.tag_deleted',
          subject: expect.objectContaining({ id: `${model}@1` }),
          data: { key: 'dataset' },
        }),
      );
    });

    it('keeps plain aliases as pointers: set, move, get, delete', async () => {
      await ci.setRegisteredModelAlias(model, 'challenger', '1');
      expect((await ci.getModelVersionByAlias(model, 'challenger')).version).toBe('1');
      await ci.setRegisteredModelAlias(model, 'challenger', '2');
      const moved = await ci.getModelVersionByAlias(model, 'challenger');
      expect([moved.version, moved.current_stage, moved.aliases]).toEqual([
        '2',
        'None',
        ['challenger'],
      ]);
      expect((await ci.getModelVersion(model, '1')).aliases).toEqual([]);
      expect((await ci.getRegisteredModel(model)).aliases).toEqual([
        { alias: 'challenger', version: '2' },
      ]);

      const noVersion = await mlflowRefusal(ci.setRegisteredModelAlias(model, 'shadow', '9'));
      expect(noVersion.errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
      const reserved = await mlflowRefusal(ci.setRegisteredModelAlias(model, 'v3', '1'));
      expect(reserved.errorCode).toBe('INVALID_PARAMETER_VALUE');
      const denied = await mlflowRefusal(viewer.setRegisteredModelAlias(model, 'mine', '1'));
      expect(denied.errorCode).toBe('PERMISSION_DENIED');

      await ci.deleteRegisteredModelAlias(model, 'challenger');
      await ci.deleteRegisteredModelAlias(model, 'challenger');
      const missing = await mlflowRefusal(ci.getModelVersionByAlias(model, 'challenger'));
      // MLflow's store answers an alias it does not hold with INVALID_PARAMETER_VALUE, not a 404.
      expect([missing.status, missing.errorCode]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
      expect(missing.message).toContain('Registered model alias challenger not found.');
      const noModel = await mlflowRefusal(ci.getModelVersionByAlias('no-such-model', 'champion'));
      expect([noModel.status, noModel.errorCode]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
      const entries = await auditActions();
      expect(entries.filter((e) => e.action === 'model.alias_set')).toHaveLength(2);
      expect(entries.filter((e) => e.action === 'model.alias_deleted')).toHaveLength(2);
    });

    it('refuses a governed alias set on a version the policy has not promoted', async () => {
      const refused = await mlflowRefusal(ci.setRegisteredModelAlias(model, 'champion', '1'));
      expect(refused.errorCode).toBe('PERMISSION_DENIED');
      const removed = await mlflowRefusal(ci.deleteRegisteredModelAlias(model, 'production'));
      expect(removed.errorCode).toBe('INVALID_PARAMETER_VALUE');
    });

    it('updates model and version descriptions, audited', async () => {
      const updated = await ci.call<{ registered_model: { description: string } }>(
        'PATCH',
        'registered-models/update',
        { name: model, description: 'Who leaves next month' },
      );
      expect(updated.registered_model.description).toBe('Who leaves next month');
      const version = await ci.call<{ model_version: { description: string } }>(
        'PATCH',
        'model-versions/update',
        { name: model, version: '1', description: 'retrained on Q4' },
      );
      expect(version.model_version.description).toBe('retrained on Q4');
      expect((await ci.getModelVersion(model, '1')).description).toBe('retrained on Q4');
      expect((await ci.getModelVersion(model, '2')).description).toBe('');
      const missing = await mlflowRefusal(ci.updateModelVersion(model, '9', 'x'));
      expect(missing.errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
      const entries = await auditActions();
      expect(entries).toContainEqual(
        expect.objectContaining({
          action: 'version.description_updated',
          data: { description: 'retrained on Q4' },
        }),
      );
      expect(entries.map((e) => e.action)).toContain('model.description_updated');
    });

    it('refuses a governed alias spelled otherwise, and the alias names MLflow refuses', async () => {
      const setBefore = (await auditActions()).filter((e) => e.action === 'model.alias_set');
      for (const [alias, governed] of [
        ['Production', 'production'],
        ['CHAMPION', 'champion'],
        ['ｐｒｏｄｕｃｔｉｏｎ', 'production'],
      ] as const) {
        const refused = await mlflowRefusal(ci.setRegisteredModelAlias(model, alias, '1'));
        expect([refused.status, refused.errorCode], alias).toEqual([
          400,
          'INVALID_PARAMETER_VALUE',
        ]);
        expect(refused.message).toContain(`the governed alias '${governed}' spelled differently`);
      }
      for (const alias of [
        'production ',
        ' champion',
        'two words',
        'a/b',
        'LATEST',
        'V7',
        'x'.repeat(256),
      ]) {
        const refused = await mlflowRefusal(ci.setRegisteredModelAlias(model, alias, '1'));
        expect([refused.status, refused.errorCode], alias).toEqual([
          400,
          'INVALID_PARAMETER_VALUE',
        ]);
      }
      expect((await ci.getRegisteredModel(model)).aliases).toEqual([]);
      const setAfter = (await auditActions()).filter((e) => e.action === 'model.alias_set');
      expect(setAfter).toHaveLength(setBefore.length);
      // What MLflow takes, Clearance takes: letters of any script, digits, _ and -.
      await ci.setRegisteredModelAlias(model, 'qualité_v2-candidate', '1');
      expect((await ci.getModelVersionByAlias(model, 'qualité_v2-candidate')).version).toBe('1');
      await ci.deleteRegisteredModelAlias(model, 'qualité_v2-candidate');
    });

    it('stores and finds tags named __proto__, constructor or toString like any other', async () => {
      const created = await ci.createModelVersion({
        name: model,
        source: 's3://models/churn/3',
        tags: [{ key: '__proto__', value: 'p' }],
      });
      const { version } = created;
      await ci.setModelVersionTag(model, version, 'constructor', 'c');
      expect((await ci.getModelVersion(model, version)).tags.sort(byKey)).toEqual([
        { key: '__proto__', value: 'p' },
        { key: 'constructor', value: 'c' },
      ]);
      const versionsWhere = async (filter: string) =>
        ((await ci.searchModelVersions({ filter })).model_versions ?? []).map((v) => v.version);
      expect(await versionsWhere("tags.__proto__ = 'p'")).toEqual([version]);
      expect(await versionsWhere("tags.constructor = 'c'")).toEqual([version]);
      // A missing tag matches nothing, `!=` included, whatever its name.
      expect(await versionsWhere("tags.constructor ILIKE 'x'")).toEqual([]);
      expect(await versionsWhere("tags.toString != 'x'")).toEqual([]);
      await ci.setRegisteredModelTag(model, 'toString', 't');
      const modelsWhere = async (filter: string) =>
        ((await ci.searchRegisteredModels({ filter })).registered_models ?? []).map((m) => m.name);
      expect(await modelsWhere("tags.toString = 't'")).toEqual([model]);
      expect(await modelsWhere("tags.valueOf != 'x'")).toEqual([]);
      expect(await modelsWhere("tags.constructor ILIKE '%'")).toEqual([]);
    });

    it("refuses to set or delete a version's clearance.* tags: its digest and lineage stay as registered", async () => {
      const digest = `sha256:${'a'.repeat(64)}`;
      const { version } = await ci.createModelVersion({
        name: model,
        source: 's3://models/churn/4',
        tags: [
          { key: 'clearance.artifact_digest', value: digest },
          { key: 'clearance.lineage.seed', value: '7' },
        ],
      });
      const shown = async () => (await ci.getModelVersion(model, version)).tags.sort(byKey);
      const registered = await shown();
      const tagChanges = async () =>
        (await auditActions()).filter((e) => e.action.startsWith('version.tag_')).length;
      const changesBefore = await tagChanges();
      for (const [attempt, change] of [
        [
          'forge the digest',
          () =>
            ci.setModelVersionTag(
              model,
              version,
              'clearance.artifact_digest',
              `sha256:${'0'.repeat(64)}`,
            ),
        ],
        [
          'drop the digest',
          () => ci.deleteModelVersionTag(model, version, 'clearance.artifact_digest'),
        ],
        [
          'rewrite the lineage',
          () => ci.setModelVersionTag(model, version, 'clearance.lineage.seed', '8'),
        ],
        [
          'drop the lineage',
          () => ci.deleteModelVersionTag(model, version, 'clearance.lineage.seed'),
        ],
        [
          'add a clearance.* tag',
          () => ci.setModelVersionTag(model, version, 'clearance.approved', 'yes'),
        ],
      ] as const) {
        const refused = await mlflowRefusal(change());
        expect([refused.status, refused.errorCode], attempt).toEqual([
          400,
          'INVALID_PARAMETER_VALUE',
        ]);
        expect(refused.message, attempt).toContain('read-only');
      }
      expect(await shown()).toEqual(registered);
      expect(await tagChanges()).toBe(changesBefore);
      const governed = await createClient({ server: server.url, token: server.adminToken }).call<{
        artifactDigest: string;
      }>('GET', `/api/v1/models/${model}/versions/${version}`);
      expect(governed.artifactDigest).toBe(digest);
    });

    it('refuses a LIKE pattern past the limits with INVALID_PARAMETER_VALUE', async () => {
      const filter = `name = '${model}' AND source_path LIKE '${'%a'.repeat(2015)}!'`;
      const refused = await mlflowRefusal(ci.searchModelVersions({ filter }));
      expect([refused.status, refused.errorCode]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
      expect(refused.message).toContain('at most 256 characters and 16');
    });
  });
}
