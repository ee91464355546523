/**
 * `clearance import mlflow --from URL` against a local test double of MLflow's REST API
 * (fake-mlflow-server.ts), through the real command on SQLite and PostgreSQL: a full import
 * (stages, tags, aliases, a production baseline, > 1 page of versions), a second run that changes
 * nothing, a run killed half-way and completed by the next, and the refusals (401, malformed JSON,
 * unreachable) that exit 2 with one line. The audit log and the state it implies verify after.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { setModelTag } from '../../src/app/mlflow/mlflow-metadata.js';
import { getRegisteredModel, searchModelVersions } from '../../src/app/mlflow/mlflow-queries.js';
import type { AppDeps } from '../../src/app/shared/app-deps.js';
import type { AuditEntry } from '../../src/audit/index.js';
import { operator } from '../../src/cli/registry/local-registry.js';
import { openRegistry } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import type { VersionView } from '../../src/domain/index.js';
import { repoRoot, runCli } from '../cli/run-cli.js';
import { databaseEnginesFor, type FreshPostgres, freshPostgresDatabase } from '../store/engines.js';
import { type FakeMlflowServer, type FakeModel, startFakeMlflow } from './fake-mlflow-server.js';

const policy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: mlflow-imported, riskTier: medium, owner: ml-platform }
roles: [model_owner, tech_lead, mlops]
transitions:
  - from: draft
    to: staging
    requestedBy: [model_owner]
    approvals: [{ role: tech_lead }]
  - from: staging
    to: production
    requestedBy: [mlops]
    approvals: [{ role: model_owner }]
`;

/** Two models: stages, a former and a current Production version, and 12 versions (3 pages). */
function registry(): FakeModel[] {
  return [
    {
      name: 'credit-risk',
      description: 'PD model for retail credit',
      tags: { team: 'risk', tier: 'regulated' },
      aliases: { champion: '3', challenger: '4' },
      versions: [
        { version: '1', stage: 'Archived' },
        { version: '2', stage: 'Production' },
        { version: '3', stage: 'Production', runId: 'abc123', tags: { auc: '0.81' } },
        { version: '4', stage: 'Staging' },
        { version: '5' },
        { version: '6', status: 'PENDING_REGISTRATION' },
      ],
    },
    {
      name: 'churn',
      versions: Array.from({ length: 12 }, (_, i) => ({
        version: String(i + 1),
        ...(i === 6 ? { stage: 'Staging' as const } : {}),
      })),
    },
  ];
}

interface Install {
  flags: string[];
  database: string;
  dataDir: string;
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function install(engine: 'sqlite' | 'postgres'): Promise<Install> {
  const dataDir = mkdtempSync(join(tmpdir(), 'clearance-mlflow-import-'));
  let database = `sqlite:${join(dataDir, 'clearance.db')}`;
  if (engine === 'postgres') {
    const pg: FreshPostgres = await freshPostgresDatabase();
    cleanups.push(pg.drop);
    database = pg.url;
  }
  writeFileSync(join(dataDir, 'policy.yaml'), policy);
  return { flags: ['--database', database, '--data-dir', dataDir], database, dataDir };
}

async function fake(
  models: FakeModel[],
  options: Partial<Parameters<typeof startFakeMlflow>[0]> = {},
) {
  const server = await startFakeMlflow({ models, ...options });
  cleanups.push(server.close);
  return server;
}

function importArgs(at: Install, server: FakeMlflowServer, ...more: string[]): string[] {
  const policyFile = join(at.dataDir, 'policy.yaml');
  return [
    'import',
    'mlflow',
    '--from',
    server.url,
    '--policy',
    policyFile,
    '--owner-team',
    'ml-platform',
    '--page-size',
    '5',
    ...at.flags,
    ...more,
  ];
}

/** What the database holds: versions per model, production per model, the audit entries. */
async function stored(at: Install, models: string[]) {
  const r = await openRegistry(
    loadConfig({ env: {}, flags: { database: at.database, dataDir: at.dataDir } }),
  );
  try {
    return await r.deps.store.read(async (tx) => {
      const versions = new Map<string, VersionView[]>();
      const production = new Map<string, string | undefined>();
      for (const m of models) {
        versions.set(m, await tx.versions.list(m));
        production.set(m, (await tx.serving.get(m)).production?.version);
      }
      const entries: AuditEntry[] = [];
      for await (const e of tx.audit.entries(0, await tx.audit.size())) entries.push(e.entry);
      const metadata = new Map<string, unknown>();
      for (const m of models) {
        metadata.set(m, {
          tags: await tx.metadata.modelTags(m),
          aliases: await tx.metadata.aliases(m),
          description: (await tx.models.get(m))?.description,
        });
      }
      return { versions, production, entries, metadata };
    });
  } finally {
    await r.close();
  }
}

/** Runs `work` on the install's registry as an in-process caller would, and closes it. */
async function asOperator<T>(at: Install, work: (deps: AppDeps) => Promise<T>): Promise<T> {
  const r = await openRegistry(
    loadConfig({ env: {}, flags: { database: at.database, dataDir: at.dataDir } }),
  );
  try {
    return await work(r.deps);
  } finally {
    await r.close();
  }
}

/** What the MLflow API answers of a model: its description, tags, plain aliases and versions. */
function mlflowView(at: Install, name: string) {
  return asOperator(at, async (deps) => {
    const model = await getRegisteredModel(deps, operator, { name });
    const versions: Record<string, { description: string; tags: Record<string, string> }> = {};
    const found = await searchModelVersions(deps, operator, { filter: `name = '${name}'` });
    for (const v of found.model_versions) {
      versions[v.version] = {
        description: v.description,
        tags: Object.fromEntries(v.tags.map((t) => [t.key, t.value])),
      };
    }
    return {
      description: model.description,
      tags: Object.fromEntries(
        model.tags.filter((t) => !t.key.startsWith('clearance.')).map((t) => [t.key, t.value]),
      ),
      aliases: Object.fromEntries(model.aliases.map((a) => [a.alias, a.version])),
      versions,
    };
  });
}

const stateOf = (versions: VersionView[] | undefined) =>
  Object.fromEntries((versions ?? []).map((v) => [v.version, v.state]));

/** A checkpoint signed (as the server does on its schedule), then the log and state verified. */
async function expectVerified(at: Install): Promise<void> {
  expect((await runCli(['audit', 'checkpoint', ...at.flags])).status).toBe(0);
  const verify = await runCli(['audit', 'verify', '--state', ...at.flags]);
  expect(verify.stderr).toBe('');
  expect(verify.stdout).toContain('Database agrees with the audit log');
  expect(`${verify.status} ${verify.stdout}`).toBe(`0 ${verify.stdout}`);
}

/** The built binary, to be killed: resolves when it exits (by signal or not). */
function spawnImport(args: string[]) {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'clearance.js'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: 'ignore',
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  return { child, exited };
}

async function until(condition: () => Promise<boolean> | boolean, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const engines = databaseEnginesFor('clearance import mlflow');

describe.each(engines)('clearance import mlflow [%s]', (engine) => {
  it('imports models, versions, stages, tags and aliases, and a second run changes nothing', async () => {
    const at = await install(engine);
    const server = await fake(registry());
    const first = await runCli(importArgs(at, server, '--format', 'json'));
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary.models).toStrictEqual({ created: 2, updated: 0, unchanged: 0, failed: 0 });
    expect(summary.versions).toStrictEqual({ created: 17, unchanged: 0, skipped: 1, failed: 0 });
    expect(summary.baselines).toStrictEqual(['credit-risk@3']);

    // churn's 12 versions came in three pages of max_results 5, each after the last's token.
    const churnPages = server.requests.filter(
      (r) => r.endpoint === 'model-versions/search' && r.query.filter === "name = 'churn'",
    );
    expect(churnPages.map((r) => r.query.max_results)).toStrictEqual(['5', '5', '5']);
    expect(churnPages[0]?.query.page_token).toBeUndefined();
    expect(churnPages[2]?.query.page_token).toBeDefined();

    const db = await stored(at, ['credit-risk', 'churn']);
    expect(stateOf(db.versions.get('credit-risk'))).toStrictEqual({
      '1': 'archived',
      '2': 'deprecated',
      '3': 'production',
      '4': 'staging',
      '5': 'draft',
    });
    expect(db.production.get('credit-risk')).toBe('3');
    expect(db.versions.get('churn')).toHaveLength(12);
    expect(stateOf(db.versions.get('churn'))['7']).toBe('staging');
    const v3 = db.versions.get('credit-risk')?.find((v) => v.version === '3');
    expect(v3?.lineage.trainingRunId).toBe('abc123');
    expect(v3?.artifactUri).toBe('models:/m-credit-risk-3');
    expect(v3?.createdAt).toBe(new Date(1_700_000_000_000 + 3 * 60_000).toISOString());
    expect(v3?.lineage.mlflow).toMatchObject({
      server: server.url,
      runId: 'abc123',
      stage: 'Production',
      tags: { auc: '0.81' },
      aliases: ['champion'],
    });
    const modelEntry = db.entries.find(
      (e) => e.action === 'mlflow.model.imported' && e.subject.id === 'credit-risk',
    );
    expect(modelEntry?.data).toStrictEqual({
      source: server.url,
      mlflow: {
        description: 'PD model for retail credit',
        tags: { team: 'risk', tier: 'regulated' },
        aliases: { challenger: '4', champion: '3' },
      },
    });
    // Tags, description and plain aliases land where the MLflow API reads them; the governed
    // alias (champion) follows the production version instead.
    expect(db.metadata.get('credit-risk')).toStrictEqual({
      tags: { team: 'risk', tier: 'regulated' },
      aliases: [{ alias: 'challenger', version: '4' }],
      description: 'PD model for retail credit',
    });
    expect(db.entries.filter((e) => e.action === 'model.alias_set')).toHaveLength(1);
    const baseline = db.entries.find((e) => e.action === 'version.imported');
    expect(baseline?.subject.id).toBe('credit-risk@3');
    expect(baseline?.reason).toBe(`In stage Production in MLflow at ${server.url}`);
    await expectVerified(at);

    const again = await runCli(importArgs(at, server));
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('models:   0 created, 0 updated, 2 unchanged, 0 failed');
    expect(again.stdout).toContain('versions: 0 created, 17 unchanged, 1 skipped, 0 failed');
    expect(again.stdout).toContain('Nothing changed: everything was imported already.');
    expect((await stored(at, [])).entries).toHaveLength(db.entries.length);

    // New aliases in MLflow are recorded once; the versions Clearance governs stay as they are.
    const changed = registry();
    changed[0] = {
      ...(changed[0] as FakeModel),
      aliases: { champion: '4' },
      tags: { team: 'risk' },
    };
    (changed[0] as FakeModel).versions[3] = { version: '4', stage: 'Production' };
    server.options.models = changed;
    const third = await runCli(importArgs(at, server, '--format', 'json'));
    expect(third.status).toBe(0);
    expect(JSON.parse(third.stdout).models).toMatchObject({ updated: 1, unchanged: 1 });
    const after = await stored(at, ['credit-risk']);
    expect(after.production.get('credit-risk')).toBe('3');
    // MLflow dropped a tag and the challenger alias: so does Clearance, each removal audited
    // beside the new record of MLflow's metadata.
    expect(after.entries.slice(db.entries.length).map((e) => e.action)).toStrictEqual([
      'mlflow.model.imported',
      'model.tag_deleted',
      'model.alias_deleted',
    ]);
    expect(after.metadata.get('credit-risk')).toStrictEqual({
      tags: { team: 'risk' },
      aliases: [],
      description: 'PD model for retail credit',
    });
  });

  it("makes tags, descriptions and aliases MLflow's again on a rerun, each change audited", async () => {
    const at = await install(engine);
    const server = await fake([
      {
        name: 'ranker',
        description: 'Search ranker',
        tags: { team: 'search', tier: 'gold' },
        aliases: { challenger: '2', shadow: '1' },
        versions: [
          { version: '1', tags: { dataset: 'q1', owner: 'ann' }, description: 'first' },
          { version: '2', tags: { dataset: 'q2' } },
        ],
      },
    ]);
    const first = await runCli(importArgs(at, server));
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(await mlflowView(at, 'ranker')).toStrictEqual({
      description: 'Search ranker',
      tags: { team: 'search', tier: 'gold' },
      aliases: { challenger: '2', shadow: '1' },
      versions: {
        '1': { description: 'first', tags: { dataset: 'q1', owner: 'ann' } },
        '2': { description: '', tags: { dataset: 'q2' } },
      },
    });
    // A change made in Clearance meanwhile is not MLflow's either: the next import undoes it.
    await asOperator(at, (deps) =>
      setModelTag(deps, operator, { name: 'ranker', key: 'local', value: 'x' }),
    );
    server.options.models = [
      {
        name: 'ranker',
        tags: { team: 'search' },
        aliases: { challenger: '1' },
        versions: [
          { version: '1', tags: { dataset: 'q1' }, description: 'first, retrained' },
          { version: '2', tags: { dataset: 'q2', validated: 'yes' }, description: 'second' },
        ],
      },
    ];
    const before = (await stored(at, [])).entries.length;
    const second = await runCli(importArgs(at, server, '--format', 'json'));
    expect(second.status).toBe(0);
    const summary = JSON.parse(second.stdout);
    expect(summary.models).toMatchObject({ updated: 1, unchanged: 0 });
    expect(summary.versions).toMatchObject({ created: 0, unchanged: 2 });
    expect(summary.metadataChanges).toBe(9);
    expect(await mlflowView(at, 'ranker')).toStrictEqual({
      description: '',
      tags: { team: 'search' },
      aliases: { challenger: '1' },
      versions: {
        '1': { description: 'first, retrained', tags: { dataset: 'q1' } },
        '2': { description: 'second', tags: { dataset: 'q2', validated: 'yes' } },
      },
    });
    const written = (await stored(at, [])).entries.slice(before);
    const src = server.url;
    expect(written.map((e) => [e.action, e.subject.id, e.data])).toEqual([
      [
        'mlflow.model.imported',
        'ranker',
        {
          source: src,
          mlflow: { description: '', tags: { team: 'search' }, aliases: { challenger: '1' } },
        },
      ],
      ['model.tag_deleted', 'ranker', { key: 'local', source: src }],
      ['model.tag_deleted', 'ranker', { key: 'tier', source: src }],
      ['model.description_updated', 'ranker', { description: '', source: src }],
      ['version.tag_deleted', 'ranker@1', { key: 'owner', source: src }],
      ['version.description_updated', 'ranker@1', { description: 'first, retrained', source: src }],
      ['version.tag_set', 'ranker@2', { key: 'validated', value: 'yes', source: src }],
      ['version.description_updated', 'ranker@2', { description: 'second', source: src }],
      ['model.alias_set', 'ranker', { alias: 'challenger', version: '1', source: src }],
      ['model.alias_deleted', 'ranker', { alias: 'shadow', source: src }],
    ]);
    expect(
      written.slice(1).every((e) => e.reason === `Imported from MLflow at ${server.url}`),
    ).toBe(true);

    // Converged: a third run finds nothing to change and writes nothing.
    const third = await runCli(importArgs(at, server));
    expect(third.stdout).toContain('Nothing changed: everything was imported already.');
    const settled = (await stored(at, [])).entries.length;
    expect(settled).toBe(before + written.length);

    // A dry run counts what it would change and writes nothing.
    (server.options.models[0] as FakeModel).tags = { team: 'ads' };
    const dry = await runCli(importArgs(at, server, '--dry-run', '--format', 'json'));
    expect(JSON.parse(dry.stdout)).toMatchObject({ metadataChanges: 1, models: { updated: 1 } });
    expect((await stored(at, [])).entries).toHaveLength(settled);
    await expectVerified(at);
  });

  it('completes a run killed half-way without duplicates', async () => {
    const at = await install(engine);
    const bigSize = 600;
    const models: FakeModel[] = [
      ...registry(),
      {
        name: 'big',
        versions: Array.from({ length: bigSize }, (_, i) => ({ version: `${i + 1}` })),
      },
      { name: 'last', versions: [{ version: '1', stage: 'Production' }] },
    ];
    // The versions search of `last` is never answered: the run cannot finish before the kill.
    const searches = 1 + 2 + 3 + bigSize / 5;
    const server = await fake(models, { answerOnly: searches });
    const run = spawnImport(importArgs(at, server));
    const watcher = await openRegistry(
      loadConfig({ env: {}, flags: { database: at.database, dataDir: at.dataDir } }),
    );
    const bigCount = () =>
      watcher.deps.store.read(async (tx) => (await tx.versions.list('big')).length);
    try {
      await until(async () => server.requests.length > searches || (await bigCount()) >= 20);
    } finally {
      await watcher.close();
    }
    run.child.kill('SIGKILL');
    expect(await run.exited).toBe('SIGKILL');
    const partial = await stored(at, ['credit-risk', 'churn', 'big', 'last']);
    expect(partial.versions.get('last')).toHaveLength(0);
    expect(partial.versions.get('credit-risk')).toHaveLength(5);
    // Killed in the middle of a model's versions, each of which was written whole or not at all.
    expect(partial.versions.get('big')?.length).toBeGreaterThan(0);
    expect(partial.versions.get('big')?.length).toBeLessThan(bigSize);

    server.options.answerOnly = undefined;
    const resumed = await runCli(importArgs(at, server, '--format', 'json'));
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    const db = await stored(at, ['credit-risk', 'churn', 'big', 'last']);
    expect(db.versions.get('big')).toHaveLength(bigSize);
    expect(db.versions.get('churn')).toHaveLength(12);
    expect(db.production.get('last')).toBe('1');
    const registered = db.entries.filter((e) => e.action === 'version.registered');
    const ids = registered.map((e) => e.subject.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(5 + 12 + bigSize + 1);
    expect(db.entries.filter((e) => e.action === 'model.registered')).toHaveLength(4);
    await expectVerified(at);
  }, 300_000);

  it('refuses a 401, malformed JSON and an unreachable server with exit 2 and one line', async () => {
    const at = await install(engine);
    const guarded = await fake(registry(), { token: 's3cret' });
    const refused = await runCli(importArgs(at, guarded));
    expect(refused.status).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain(
      `MLflow server ${guarded.url} answered registered-models/search with 401: UNAUTHENTICATED`,
    );
    expect(refused.stderr).toContain('MLFLOW_TRACKING_TOKEN');
    expect((await stored(at, [])).entries).toHaveLength(0);

    const broken = await fake(registry(), { malformed: ['model-versions/search'] });
    const malformed = await runCli(importArgs(at, broken));
    expect(malformed.status).toBe(2);
    expect(malformed.stderr.trim().split('\n')).toHaveLength(1);
    expect(malformed.stderr).toContain('answered model-versions/search with malformed JSON');
    // The first model is whole (it and its entry); none of its versions were half-written.
    const half = await stored(at, ['credit-risk']);
    expect(half.versions.get('credit-risk')).toHaveLength(0);

    const unreachable = await runCli([
      'import',
      'mlflow',
      '--from',
      'http://127.0.0.1:9',
      ...at.flags,
    ]);
    expect(unreachable.status).toBe(2);
    expect(unreachable.stderr).toMatch(
      /^error: MLflow server http:\/\/127\.0\.0\.1:9 did not answer/,
    );
    const missing = await runCli([...importArgs(at, guarded), '--model', 'no-such-model'], {
      env: { MLFLOW_TRACKING_TOKEN: 's3cret' },
    });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(
      'answered registered-models/get with 404: RESOURCE_DOES_NOT_EXIST: Registered Model with name=no-such-model not found. Check the names given with --model.',
    );
    const notUrl = await runCli(['import', 'mlflow', '--from', 'mlflow.internal', ...at.flags]);
    expect(notUrl.status).toBe(2);
    expect(notUrl.stderr).toContain('is not a URL');

    // With the token (from the environment, as MLflow's clients take it) the import completes.
    const ok = await runCli(importArgs(at, guarded), { env: { MLFLOW_TRACKING_TOKEN: 's3cret' } });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect((await stored(at, ['churn'])).versions.get('churn')).toHaveLength(12);
    await expectVerified(at);
  });

  it('reports a model whose name Clearance refuses, imports the rest, and writes nothing on --dry-run', async () => {
    const at = await install(engine);
    const server = await fake([
      { name: 'Fraud Model', versions: [{ version: '1' }] },
      ...registry(),
    ]);
    const dry = await runCli(importArgs(at, server, '--dry-run', '--format', 'json'));
    expect(dry.status).toBe(1);
    const planned = JSON.parse(dry.stdout);
    expect(planned.dryRun).toBe(true);
    expect(planned.models).toStrictEqual({ created: 2, updated: 0, unchanged: 0, failed: 1 });
    expect(planned.versions.created).toBe(17);
    expect((await stored(at, [])).entries).toHaveLength(0);

    const run = await runCli(
      importArgs(at, server, '--model', 'credit-risk', '--model', 'Fraud Model'),
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('failed Fraud Model: Model name "Fraud Model" is not allowed.');
    expect(run.stdout).toContain('skipped credit-risk@6: MLflow has it PENDING_REGISTRATION');
    const db = await stored(at, ['credit-risk', 'churn']);
    expect(db.versions.get('credit-risk')).toHaveLength(5);
    expect(db.versions.get('churn')).toHaveLength(0);
  });

  it('refuses a model past the metadata limits whole, listing each excess, and imports the rest', async () => {
    const at = await install(engine);
    const tags = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]));
    const server = await fake([
      {
        name: 'crowded',
        // The clearance.* views and the governed aliases, in any spelling, do not count.
        tags: { ...tags(3), 'clearance.policy': 'x' },
        aliases: { a: '1', b: '1', c: '2', Production: '2', prоduction: '1' },
        versions: [
          { version: '1', tags: tags(2) },
          { version: '2', tags: tags(4) },
        ],
      },
      { name: 'roomy', tags: tags(2), aliases: { a: '1', b: '1' }, versions: [{ version: '1' }] },
    ]);
    const env = {
      CLEARANCE_MAX_TAGS_PER_REGISTERED_MODEL: '2',
      CLEARANCE_MAX_TAGS_PER_MODEL_VERSION: '3',
      CLEARANCE_MAX_ALIASES_PER_REGISTERED_MODEL: '2',
    };
    const dry = await runCli(importArgs(at, server, '--dry-run', '--format', 'json'), { env });
    const planned = JSON.parse(dry.stdout);
    expect(planned.models).toStrictEqual({ created: 1, updated: 0, unchanged: 0, failed: 1 });

    const run = await runCli(importArgs(at, server), { env });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(
      "failed crowded: Registered model crowded holds more MLflow metadata than Clearance allows: tags 3 (maxTagsPerRegisteredModel is 2); version 2's tags 4 (maxTagsPerModelVersion is 3); plain aliases 3 (maxAliasesPerRegisteredModel is 2). Nothing of it was imported. Remove tags or aliases it no longer needs in MLflow, or raise maxTagsPerRegisteredModel, maxTagsPerModelVersion, maxAliasesPerRegisteredModel for Clearance, and run the import again.",
    );
    const db = await stored(at, ['crowded', 'roomy']);
    expect(db.versions.get('crowded')).toHaveLength(0);
    expect(db.entries.filter((e) => e.subject.id.startsWith('crowded'))).toEqual([]);
    expect(db.metadata.get('roomy')).toMatchObject({
      tags: tags(2),
      aliases: [
        { alias: 'a', version: '1' },
        { alias: 'b', version: '1' },
      ],
    });

    // Within the limits (the defaults), it is imported, the look-alike alias left out.
    const again = await runCli(importArgs(at, server));
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    const view = await mlflowView(at, 'crowded');
    expect(view.aliases).toStrictEqual({ a: '1', b: '1', c: '2' });
    expect(Object.keys(view.versions['2']?.tags ?? {})).toHaveLength(4);
    await expectVerified(at);
  });

  it('takes the version holding --production-alias as the baseline (the MLflow 3.x workflow)', async () => {
    const at = await install(engine);
    const server = await fake([
      {
        name: 'ranker',
        aliases: { champion: '2' },
        versions: [{ version: '1', stage: 'Production' }, { version: '2' }, { version: '3' }],
      },
    ]);
    const run = await runCli(importArgs(at, server, '--production-alias', 'champion'));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('production baselines: ranker@2');
    const db = await stored(at, ['ranker']);
    expect(stateOf(db.versions.get('ranker'))).toStrictEqual({
      '1': 'deprecated',
      '2': 'production',
      '3': 'draft',
    });
    const baseline = db.entries.find((e) => e.action === 'version.imported');
    expect(baseline?.reason).toBe(`In alias champion in MLflow at ${server.url}`);
    await expectVerified(at);
  });
});
