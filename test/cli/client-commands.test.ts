/**
 * The client commands against a live `clearance serve` (the built binary, spawned), as the people
 * of the recommender worked example would use them: model and version registration, evidence
 * upload, import of the pre-Clearance production version, request, approve, reject, inbox,
 * promote, replay, emergency and cancel — each answer read as JSON.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveServer, personTokenOn, startLiveServer } from '../e2e/live-server.js';
import { repoRoot, runCli } from './run-cli.js';

const examples = join(repoRoot, 'examples', 'recommender');
const model = 'home-feed-cli';

let server: LiveServer;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  server = await startLiveServer();
  tokens.admin = server.adminToken;
  for (const [who, roles] of Object.entries({
    ci: ['mlops'],
    owner: ['model_owner'],
    tech: ['tech_lead'],
    product: ['product_owner'],
    breakGlass: ['break_glass'],
  })) {
    tokens[who] = await personTokenOn(server, `cli.${who}`, roles);
  }
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

/** Runs a client command as `who`: the run, or its parsed JSON answer (throwing on failure). */
function as(who: string, args: string[]) {
  const run = runCli([
    ...args,
    '--server',
    server.url,
    '--token',
    tokens[who] ?? '',
    '--format',
    'json',
  ]);
  return {
    run,
    json: async <T>() => {
      const done = await run;
      if (done.status !== 0)
        throw new Error(`${args.join(' ')} exited ${done.status}: ${done.stderr}`);
      return JSON.parse(done.stdout) as T;
    },
  };
}

interface RequestAnswer {
  request: { id: string; status: string };
  decision: { id: string; outcome: string };
}

describe('client commands against a live server', () => {
  it('walks the recommender from registration to production and replays the decision', async () => {
    await as('admin', [
      'model',
      'register',
      model,
      '--owner-team',
      'discovery',
      '--policy',
      join(examples, 'policy.yaml'),
    ]).json();
    for (const [version, dir] of [
      ['6.9.0', 'baseline'],
      ['7.0.0', 'candidates/passing'],
    ] as const) {
      await as('ci', [
        'version',
        'register',
        model,
        version,
        '--artifact-uri',
        `s3://models/${model}/${version}`,
        '--artifact-digest',
        `sha256:${version.replace(/\./g, '').padStart(64, '0')}`,
        ...(existsSync(join(examples, dir, 'lineage.json'))
          ? ['--lineage', join(examples, dir, 'lineage.json')]
          : []),
      ]).json();
      const attached = await as('ci', [
        'evidence',
        'attach',
        model,
        version,
        join(examples, dir),
      ]).json<unknown[] | { evidence: unknown[] }>();
      expect(JSON.stringify(attached)).toContain(
        dir === 'baseline' ? 'metrics.json' : 'model_card',
      );
    }
    await as('admin', [
      'version',
      'import-production',
      model,
      '6.9.0',
      '--reason',
      'Serving before Clearance',
    ]).json();

    const staging = await as('owner', [
      'request',
      model,
      '7.0.0',
      '--to',
      'staging',
      '--reason',
      'Offline eval done',
    ]).json<RequestAnswer>();
    expect(staging.decision.outcome).toBe('allowed');
    const inbox = await as('tech', ['inbox']).json<
      { request: { id: string }; roles: string[] }[]
    >();
    expect(inbox).toContainEqual(
      expect.objectContaining({ request: expect.objectContaining({ id: staging.request.id }) }),
    );
    await as('tech', [
      'approve',
      staging.request.id,
      '--role',
      'tech_lead',
      '--comment',
      'Training set-up reviewed',
      '--risk',
      'low',
    ]).json();
    await as('owner', ['promote', staging.request.id]).json();

    const prod = await as('ci', [
      'request',
      model,
      '7.0.0',
      '--to',
      'production',
      '--reason',
      'CTR +10%',
    ]).json<RequestAnswer>();
    expect(prod.decision.outcome).toBe('allowed');
    await as('owner', [
      'approve',
      prod.request.id,
      '--role',
      'model_owner',
      '--comment',
      'Card and plans reviewed',
      '--risk',
      'medium',
    ]).json();
    // One sign-off short: promote is refused (exit 1, precondition failed) and nothing moves.
    const early = await as('ci', ['promote', prod.request.id]).run;
    expect(early.status).toBe(1);
    expect(early.stderr).toMatch(/product_owner/);
    await as('product', [
      'approve',
      prod.request.id,
      '--role',
      'product_owner',
      '--comment',
      'Lift worth it',
      '--risk',
      'medium',
    ]).json();
    const executed = await as('ci', ['promote', prod.request.id]).json<{
      request: { status: string; decisionId: string };
      demoted?: string;
      rollout?: { id: string; traffic: number };
    }>();
    expect(executed.request.status).toBe('executed');
    // The recommender's policy starts a 10% canary instead of a full switch.
    expect(executed.demoted).toBeUndefined();
    const rolloutId = executed.rollout?.id ?? '';
    expect(executed.rollout?.traffic).toBe(10);

    const dir = mkdtempSync(join(tmpdir(), 'clearance-observe-'));
    const at = new Date().toISOString();
    const csv = join(dir, 'batch.csv');
    writeFileSync(
      csv,
      [
        'series,arm,at,successes,trials,value,count',
        `ctr,candidate,${at},520,10000,,`,
        `ctr,control,${at},500,10000,,`,
        `latency_ms,candidate,${at},,,12.5,40`,
        `latency_ms,candidate,${at},,,80,2`,
      ].join('\n'),
    );
    const observed = await as('ci', ['rollout', 'observe', rolloutId, '--file', csv]).json<{
      accepted: number;
      duplicate: boolean;
    }>();
    expect(observed).toMatchObject({ accepted: 3, duplicate: false });
    const again = await as('ci', ['rollout', 'observe', rolloutId, '--file', csv]).json();
    expect(again).toMatchObject({ accepted: 0, duplicate: true });
    const json = join(dir, 'batch.json');
    writeFileSync(
      json,
      JSON.stringify({
        batchId: 'b-2',
        points: [{ series: 'ctr', arm: 'candidate', at, successes: 9, trials: 3 }],
      }),
    );
    const bad = await as('ci', ['rollout', 'observe', rolloutId, '--file', json]).run;
    expect(bad.status, bad.stderr).not.toBe(0);
    expect(bad.stderr).toContain('successes (9) exceed trials (3)');

    const shown = await as('owner', ['rollout', 'show', rolloutId]).json<{ status: string }>();
    expect(shown.status).toBe('running');
    const listed = await as('owner', ['rollout', 'list', '--status', 'running']).json<
      { id: string }[]
    >();
    expect(listed.map((r) => r.id)).toContain(rolloutId);
    const notYours = await as('ci', ['rollout', 'promote', rolloutId]).run;
    expect(notYours.status).not.toBe(0);
    expect(
      (
        await as('ci', [
          'rollout',
          'pause',
          rolloutId,
          '--reason',
          'Holiday traffic',
          '--ticket',
          'CHG-1',
        ]).json<{ status: string }>()
      ).status,
    ).toBe('paused');
    const promoted = await as('product', [
      'rollout',
      'promote',
      rolloutId,
      '--reason',
      'Business call',
    ]).json<{ status: string }>();
    expect(promoted.status).toBe('completed');
    // rollout show lists the people's actions with their reasons and tickets.
    const ended = await as('owner', ['rollout', 'show', rolloutId]).json<{
      actions: { action: string; reason?: string; ticket?: string }[];
    }>();
    expect(ended.actions).toMatchObject([
      { action: 'pause', reason: 'Holiday traffic', ticket: 'CHG-1' },
      { action: 'promote', reason: 'Business call' },
    ]);
    const serving = await as('ci', ['model', 'serving', model]).json<{
      production: { version: string };
      rollbackTarget: { version: string };
    }>();
    expect(serving.production.version).toBe('7.0.0');
    expect(serving.rollbackTarget.version).toBe('6.9.0');

    const replay = await as('ci', ['replay', executed.request.decisionId]).json<{
      reproduced: boolean;
    }>();
    expect(replay.reproduced).toBe(true);

    // Evidence altered in the server's blob store: replay cannot reproduce the decision, exit 1.
    const evidence = await as('ci', ['evidence', 'list', model, '7.0.0']).json<
      { path: string; digest: string }[]
    >();
    const metrics = evidence.find((e) => e.path === 'metrics.json');
    if (!metrics) throw new Error('7.0.0 has no metrics.json');
    const hex = metrics.digest.slice('sha256:'.length);
    const blob = join(server.dataDir, 'blobs', 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex);
    const original = readFileSync(blob);
    writeFileSync(blob, '{"ctr": 0.5}');
    try {
      const altered = await as('ci', ['replay', executed.request.decisionId]).run;
      expect(altered.status, altered.stderr).toBe(1);
      const report = JSON.parse(altered.stdout) as { reproduced: boolean; differences: string[] };
      expect(report.reproduced).toBe(false);
      expect(report.differences.length).toBeGreaterThan(0);
    } finally {
      writeFileSync(blob, original);
    }
  });

  it('refuses an emergency change from someone without break-glass, and cancels a request', async () => {
    await as('ci', [
      'version',
      'register',
      model,
      '7.0.1',
      '--artifact-uri',
      `s3://models/${model}/7.0.1`,
      '--artifact-digest',
      `sha256:${'701'.padStart(64, '0')}`,
    ]).json();
    const refused = await as('ci', [
      'emergency',
      model,
      '7.0.1',
      '--to',
      'staging',
      '--reason',
      'Hotfix',
      '--ticket',
      'INC-7',
    ]).run;
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/break_glass/);
    const pending = await as('owner', [
      'request',
      model,
      '7.0.1',
      '--to',
      'staging',
      '--reason',
      'Try it',
    ]).json<RequestAnswer>();
    const rejected = await as('tech', [
      'reject',
      pending.request.id,
      '--role',
      'tech_lead',
      '--comment',
      'No lineage',
      '--risk',
      'high',
    ]).json<{ request: { status: string } }>();
    expect(rejected.request.status).toBe('rejected');
    const again = await as('owner', [
      'request',
      model,
      '7.0.1',
      '--to',
      'staging',
      '--reason',
      'Second try',
    ]).json<RequestAnswer>();
    const cancelled = await as('owner', [
      'cancel',
      again.request.id,
      '--reason',
      'Superseded',
    ]).json<{ status: string } | { request: { status: string } }>();
    expect(JSON.stringify(cancelled)).toContain('"cancelled"');
  });
});
