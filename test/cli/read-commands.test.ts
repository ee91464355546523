/**
 * What people sign, read from the CLI: `version list|show`, `evidence list`, `request list|show`,
 * `decision show`, `history` and `policy explain --format json`, each on the database (as the
 * operator) and through a live server (as a user), which must answer alike.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { recordApproval, requestTransition } from '../../src/app/index.js';
import { openRegistry } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import {
  addVersion,
  examplesDir,
  type Harness,
  people,
  promoteCreditRisk,
  toStaging,
} from '../app/harness.js';
import {
  bootstrapLiveAdmin,
  type LiveServer,
  personTokenOn,
  serveLive,
} from '../e2e/live-server.js';
import { fixedClock } from '../fakes/fixed-clock.js';
import {
  type DatabaseEngineName,
  databaseEnginesFor,
  freshPostgresDatabase,
} from '../store/engines.js';
import { runCli } from './run-cli.js';

const model = 'credit-risk-pd';
const candidate = join(examplesDir, 'credit-risk', 'candidates', 'passing');
let local: string[] = [];
let remote: string[] = [];
let pendingId = '';
let served: LiveServer | undefined;

/** credit-risk-pd: 2026.2 promoted with three sign-offs; 2026.3 requested, one sign-off so far. */
async function populate(database: string, dataDir: string): Promise<void> {
  const registry = await openRegistry(loadConfig({ env: {}, flags: { database, dataDir } }));
  const h = {
    deps: registry.deps,
    store: registry.store,
    clock: fixedClock(),
  } as unknown as Harness;
  try {
    await promoteCreditRisk(h, { model });
    await addVersion(h, { model, version: '2026.3', dir: 'credit-risk/candidates/passing' });
    await toStaging(h, model, '2026.3');
    const { request } = await requestTransition(h.deps, people.mlops, {
      model,
      version: '2026.3',
      to: 'production',
      reason: 'Monthly refresh',
      ticket: 'RISK-4',
    });
    pendingId = request.id;
    await recordApproval(h.deps, people.owner, {
      requestId: request.id,
      role: 'model_owner',
      decision: 'approve',
      comment: 'Model card reviewed',
      ticket: 'RISK-4',
      riskClass: 'medium',
    });
  } finally {
    await registry.close();
  }
}

/** The registry on this engine's database, served; sets `local`, `remote` and `pendingId`. */
function openRegistryOn(engine: DatabaseEngineName): void {
  let server: LiveServer | undefined;
  let drop = async () => undefined as unknown;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clearance-read-cli-'));
    let database = `sqlite:${join(dir, 'clearance.db')}`;
    if (engine === 'postgres') {
      const fresh = await freshPostgresDatabase();
      database = fresh.url;
      drop = fresh.drop;
    }
    const dataDir = join(dir, 'data');
    await populate(database, dataDir);
    local = ['--database', database, '--data-dir', dataDir];
    const adminToken = await bootstrapLiveAdmin({ database, dataDir });
    server = await serveLive({ database, dataDir, adminToken });
    served = server;
    remote = ['--server', server.url, '--token', adminToken];
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await drop();
  });
}

async function both(args: string[]) {
  const results = [];
  for (const reach of [local, remote]) {
    const run = await runCli([...args, ...reach]);
    expect(run.stderr, `${args.join(' ')} ${reach[0]}`).toBe('');
    expect(run.status).toBe(0);
    results.push(run.stdout);
  }
  return results as [string, string];
}

/** The JSON answer on the database and through the server: they must agree. */
async function json<T>(args: string[]): Promise<T> {
  const [onDatabase, viaServer] = await both([...args, '--format', 'json']);
  expect(JSON.parse(viaServer)).toEqual(JSON.parse(onDatabase));
  return JSON.parse(onDatabase) as T;
}

const sha256 = (file: string) =>
  `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;

interface Gate {
  gateId: string;
  observed: unknown;
  details: { candidateValue?: number; baselineValue?: number };
}

for (const engine of databaseEnginesFor('CLI reads of what people sign')) {
  describe(`on ${engine}`, () => {
    openRegistryOn(engine);

    describe('request show', () => {
      it('shows the gate table, sign-offs so far and still required, and evidence digests', async () => {
        const view = await json<{
          request: { id: string; status: string; decisionId: string };
          status: { missing: { role: string; needed: number }[]; counted: { approver: string }[] };
          decision: { id: string; gates: Gate[]; evidence: { path: string; digest: string }[] };
        }>(['request', 'show', pendingId]);
        expect(view.request.status).toBe('pending');
        expect(view.decision.id).toBe(view.request.decisionId);
        expect(view.status.counted.map((a) => a.approver)).toEqual([people.owner.id]);
        expect(view.status.missing).toEqual([
          { role: 'risk_officer', needed: 1 },
          { role: 'compliance_officer', needed: 1 },
        ]);
        // Every gate of the policy's transition, exact in JSON.
        const policy = parse(readFileSync(join(examplesDir, 'credit-risk', 'policy.yaml'), 'utf8'));
        const transition = policy.transitions.find(
          (t: { from: string; to: string }) => t.from === 'staging' && t.to === 'production',
        );
        const gateIds = view.decision.gates.map((g) => g.gateId);
        expect(gateIds).toEqual(
          expect.arrayContaining(transition.gates.map((g: { id: string }) => g.id)),
        );
        expect(gateIds).toContain('documents');
        const auc = view.decision.gates.find((g) => g.gateId === 'auc');
        expect(auc?.observed).toBe(
          (auc?.details.candidateValue ?? 0) - (auc?.details.baselineValue ?? 0),
        );

        const [text, remoteText] = await both(['request', 'show', pendingId]);
        expect(remoteText).toBe(text);
        // Compared with production 2026.2, trained on the same evidence.
        expect(text).toContain('AUC unchanged at 0.782');
        expect(text).toContain('required lower 95% bound of difference >= -0.01');
        expect(text).toMatch(/still required: risk_officer ×1, compliance_officer ×1/);
        expect(text).toContain(`✓ ${people.owner.id} as model_owner: approve, risk medium`);
        for (const file of ['predictions.csv', 'model_card.md'])
          expect(text).toContain(`${file}  `);
        expect(text).toContain(sha256(join(candidate, 'predictions.csv')));
        expect(text).not.toMatch(/0\.03\d{4,}/); // rounded for people
      });

      it('shows an executed request with the sign-offs its execution counted, none still required', async () => {
        const all = await json<{ id: string; version: string; to: string; status: string }[]>([
          'request',
          'list',
          model,
          '--version',
          '2026.2',
        ]);
        const executed = all.find((r) => r.to === 'production' && r.status === 'executed');
        expect(executed).toBeDefined();
        const [text, remoteText] = await both(['request', 'show', executed?.id ?? '']);
        expect(remoteText).toBe(text);
        // Its promotion made 2026.2 the baseline: counted "now", no sign-off would hold any more.
        expect(text).not.toContain('still required');
        expect(text).not.toContain('not counted');
        expect(text).toMatch(/Sign-offs counted at execution \(decision \S+\): 3, complete/);
        for (const role of ['model_owner', 'risk_officer', 'compliance_officer'])
          expect(text).toMatch(new RegExp(`✓ \\S+ as ${role}: approve`));
      });

      it('answers in JSON the sign-offs the text shows: counted at execution once executed, counted now while open', async () => {
        const all = await json<{ id: string; to: string; status: string }[]>([
          'request',
          'list',
          model,
        ]);
        const executed = all.find((r) => r.to === 'production' && r.status === 'executed');
        interface Signed {
          id: string;
          approver: string;
          role: string;
        }
        type View = {
          request: { decisionId: string };
          approvals: Signed[];
          status: {
            basis: string;
            decisionId?: string;
            satisfied: boolean;
            counted: Signed[];
            missing: unknown[];
            distinctApprovers: number;
          };
        };
        /** The ✓ lines of the text: who signed in which role. */
        const signedInText = (text: string) =>
          [...text.matchAll(/^ {2}✓ (\S+) as (\S+): /gm)].map((m) => `${m[1]} ${m[2]}`);
        const signedInJson = (view: View) =>
          view.status.counted.map((a) => `${a.approver} ${a.role}`);

        const done = await json<View>(['request', 'show', executed?.id ?? '']);
        const decision = await json<{ id: string; approvalsCounted: Signed[] }>([
          'decision',
          'show',
          done.request.decisionId,
        ]);
        expect(done.status.basis).toBe('execution');
        expect(done.status.decisionId).toBe(decision.id);
        expect(done.status.satisfied).toBe(true);
        expect(done.status.missing).toEqual([]);
        expect(done.status.counted.map((a) => a.id)).toEqual(
          decision.approvalsCounted.map((a) => a.id),
        );
        expect(done.status.distinctApprovers).toBe(3);
        const [doneText] = await both(['request', 'show', executed?.id ?? '']);
        expect(signedInText(doneText)).toEqual(signedInJson(done));
        expect(signedInText(doneText)).toHaveLength(3);

        const open = await json<View>(['request', 'show', pendingId]);
        expect(open.status.basis).toBe('approvals');
        expect(open.status.decisionId).toBeUndefined();
        expect(open.status.satisfied).toBe(false);
        const [openText] = await both(['request', 'show', pendingId]);
        expect(signedInText(openText)).toEqual(signedInJson(open));
        expect(signedInText(openText)).toEqual([`${people.owner.id} model_owner`]);
      });

      it('exits 2 naming an unknown request, and a request without --to', async () => {
        const unknown = await runCli(['request', 'show', 'no-such-request', ...local]);
        expect(unknown.status).toBe(2);
        expect(unknown.stderr).toMatch(/no-such-request/);
        const noTo = await runCli(['request', model, '2026.3', '--reason', 'x', ...remote]);
        expect(noTo.status).toBe(2);
        expect(noTo.stderr).toContain('A request needs --to.');
      });
    });

    it('exits 1 for a token whose user holds no role on the model, naming nothing of it', async () => {
      if (!served) throw new Error('no server');
      const token = await personTokenOn(served, `no-role-${engine}`, []);
      const stranger = ['--server', served.url, '--token', token];
      for (const args of [
        ['request', 'show', pendingId],
        ['request', 'list', model],
        ['version', 'show', model, '2026.3'],
        ['evidence', 'list', model, '2026.3'],
      ]) {
        const run = await runCli([...args, ...stranger]);
        expect(run.status, `${args.join(' ')}: ${run.stderr}`).toBe(1);
        expect(run.stdout).toBe('');
        expect(run.stderr).toMatch(/^error: /);
      }
    });

    describe('request list, decision show, version list|show, evidence list', () => {
      it('lists requests, filtered by version and status', async () => {
        const all = await json<{ version: string; status: string }[]>(['request', 'list', model]);
        expect(all.map((r) => `${r.version}:${r.status}`)).toEqual(
          expect.arrayContaining(['2026.2:executed', '2026.3:pending']),
        );
        const pending = await json<{ id: string }[]>([
          'request',
          'list',
          model,
          '--status',
          'pending',
        ]);
        expect(pending.map((r) => r.id)).toEqual([pendingId]);
        const [text] = await both(['request', 'list', model, '--version', '2026.3']);
        const lines = text.trim().split('\n');
        expect(lines).toHaveLength(2);
        expect(lines[0]).toMatch(/2026\.3 draft → staging \(standard\), executed$/);
        expect(lines[1]).toBe(
          `Request ${pendingId}: ${model} 2026.3 staging → production (standard), pending`,
        );
      });

      it('shows a decision with each gate and its evidence', async () => {
        const { request } = await json<{ request: { decisionId: string } }>([
          'request',
          'show',
          pendingId,
        ]);
        const decision = await json<{ outcome: string; gates: Gate[] }>([
          'decision',
          'show',
          request.decisionId,
        ]);
        expect(decision.outcome).toBe('allowed');
        const [text] = await both(['decision', 'show', request.decisionId]);
        for (const gate of decision.gates) expect(text).toContain(`${gate.gateId} (`);
        expect(text).toContain(sha256(join(candidate, 'lineage.json')));
        // 2026.2's promotion over 2026.1: the gate's own explanation says +0.039, 0.782 vs 0.743.
        const executed = (
          await json<{ id: string; to: string }[]>([
            'request',
            'list',
            model,
            '--version',
            '2026.2',
            '--status',
            'executed',
          ])
        ).find((r) => r.to === 'production');
        const promoted = await json<{ decision: { id: string; gates: Gate[] } }>([
          'request',
          'show',
          executed?.id ?? '',
        ]);
        const explanation = promoted.decision.gates.find((g) => g.gateId === 'auc');
        expect(JSON.stringify(explanation)).toContain('difference +0.039');
        const [promotion] = await both(['decision', 'show', promoted.decision.id]);
        expect(promotion).toContain('AUC rose by 0.039 (0.743 → 0.782)');
      });

      it('lists versions and shows one with its evidence digests and requests', async () => {
        const versions = await json<{ version: string; state: string }[]>([
          'version',
          'list',
          model,
        ]);
        expect(versions.map((v) => `${v.version}:${v.state}`)).toEqual([
          '2026.1:deprecated',
          '2026.2:production',
          '2026.3:staging',
        ]);
        const shown = await json<{
          version: { version: string };
          evidence: { path: string; digest: string }[];
          requests: unknown[];
        }>(['version', 'show', model, '2026.3']);
        expect(shown.version.version).toBe('2026.3');
        expect(shown.requests).toHaveLength(2);
        for (const e of shown.evidence) expect(e.digest).toBe(sha256(join(candidate, e.path)));
        const listed = await json<{ path: string; digest: string }[]>([
          'evidence',
          'list',
          model,
          '2026.3',
        ]);
        expect(listed).toEqual(shown.evidence);
        const [text] = await both(['version', 'show', model, '2026.3']);
        expect(text).toContain('2026.3: staging since');
        expect(text).toContain(sha256(join(candidate, 'rollback_plan.md')));
      });

      it('history answers alike on the database and through the server', async () => {
        const history = await json<{ model: string }>(['history', model]);
        expect(history.model).toBe(model);
      });
    });
  });
}

describe('policy explain --format json', () => {
  it('gives the transitions and their gates with the explanation text', async () => {
    const file = join(examplesDir, 'credit-risk', 'policy.yaml');
    const run = await runCli(['policy', 'explain', file, '--format', 'json']);
    expect(run.status).toBe(0);
    const explained = JSON.parse(run.stdout);
    const policy = parse(readFileSync(file, 'utf8'));
    expect(explained.name).toBe(policy.metadata.name);
    expect(
      explained.transitions.map((t: { from: string; to: string }) => `${t.from}:${t.to}`),
    ).toEqual(policy.transitions.map((t: { from: string; to: string }) => `${t.from}:${t.to}`));
    for (const t of explained.transitions)
      for (const g of t.gates) expect(g.explanation).toEqual(expect.any(String));
    const text = await runCli(['policy', 'explain', file]);
    expect(explained.text).toBe(text.stdout);
  });
});
