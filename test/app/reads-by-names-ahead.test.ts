/**
 * Reads asked for by names known before the transaction (ADR 049, session 23): an attach, a
 * request, an approval and an execution ask, with their first statements, for what they will read
 * by the model and version they were given or read ahead, and send the writes whose answers
 * nothing waits for with the statements that follow. On PostgreSQL each step's write transaction
 * then takes the round trips counted here; on every engine a name that no longer holds (production
 * moved between the read ahead and the transaction) is read again, never answered from the early
 * read.
 */
import pg from 'pg';
import { expect, it, vi } from 'vitest';
import {
  attachEvidence,
  executeTransition,
  GateResultCache,
  recordApproval,
  registerPolicy,
  registerVersion,
  requestTransition,
  setModelPolicy,
} from '../../src/app/index.js';
import { classifyEvidenceFile, evidenceSetDigest } from '../../src/domain/index.js';
import { churn, recordingRunner, registerChurn } from './churn-fixture.js';
import { forEachStore, people, refusal, type StoreHarness } from './harness.js';
import { outboxEvents } from './store-contents.js';

const policy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: reads-by-names-ahead, riskTier: medium }
roles: [mlops, tech_lead, risk_officer, admin]
transitions:
  - from: draft
    to: staging
    requestedBy: [mlops]
    gates:
      - { id: latency, type: metric, metric: latency_p95_ms, max: 120 }
    approvals:
      - { role: tech_lead }
      - { role: risk_officer }
  - from: draft
    to: production
    requestedBy: [mlops]
    gates:
      - { id: latency, type: metric, metric: latency_p95_ms, max: 120 }
    approvals:
      - { role: tech_lead }
`;
const bytes = (text: string) => new TextEncoder().encode(text);

/** Registers `version` of the churn model with a latency metric of `latency`. */
async function withMetrics(h: StoreHarness, version: string, latency: number): Promise<void> {
  await registerVersion(h.deps, people.ci, {
    model: churn,
    version,
    artifactUri: `s3://m/churn/${version}`,
    artifactDigest: `sha256:${version.padStart(2, '0').repeat(32).slice(0, 64)}`,
    lineage: {},
  });
  await attachEvidence(h.deps, people.ci, {
    model: churn,
    version,
    files: [{ path: 'metrics.json', bytes: bytes(`{"latency_p95_ms": ${latency}}`) }],
  });
}

/** Puts `version` in production and `previous` (if any) out of it, as a promotion leaves them. */
async function putInProduction(h: StoreHarness, version: string, previous?: string) {
  const since = h.clock.now().toISOString();
  await h.deps.store.transaction(async (tx) => {
    if (previous !== undefined) {
      await tx.versions.setState({ model: churn, version: previous, state: 'deprecated', since });
    }
    await tx.versions.setState({ model: churn, version, state: 'production', since });
    await tx.serving.set({ model: churn, production: { version, since } });
  });
}

async function evidenceDigestOf(h: StoreHarness, version: string): Promise<string> {
  return evidenceSetDigest(await h.store.read((tx) => tx.evidence.list(churn, version)));
}

/**
 * Round trips of each write transaction `run` opens on PostgreSQL, from its opening to its
 * COMMIT: a statement sent while none of its connection's is awaiting an answer starts one.
 */
async function roundTripsOf(run: () => Promise<unknown>): Promise<number[]> {
  const query = pg.Client.prototype.query;
  const connections = new Map<pg.Client, { inFlight: number; trips: string[][] }>();
  const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
    this: pg.Client,
    ...args: unknown[]
  ) {
    const first = args[0] as string | { text?: string };
    const text = typeof first === 'string' ? first : String(first.text);
    const connection = connections.get(this) ?? { inFlight: 0, trips: [] };
    connections.set(this, connection);
    if (connection.inFlight === 0) connection.trips.push([]);
    connection.trips.at(-1)?.push(text);
    connection.inFlight += 1;
    // pg's own overloads: the arguments are passed through as they came.
    const answer = (query as (...a: unknown[]) => unknown).apply(this, args);
    const settled = () => {
      connection.inFlight -= 1;
    };
    if (answer instanceof Promise) answer.then(settled, settled);
    else settled();
    return answer as never;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  const transactions: number[] = [];
  for (const { trips } of connections.values()) {
    let open: number | undefined;
    for (const trip of trips) {
      if (trip.some((t) => t.startsWith('start transaction'))) open = 0;
      if (open !== undefined) open += 1;
      if (open !== undefined && trip.some((t) => t === 'commit')) {
        transactions.push(open);
        open = undefined;
      }
    }
  }
  return transactions;
}

forEachStore('reads by names known ahead of the transaction', (open, engine) => {
  it('judges a request against the production version of its transaction, not the one read ahead', async () => {
    const h = await open();
    await registerChurn(h.deps, policy);
    await withMetrics(h, 'b1', 90);
    await withMetrics(h, 'b2', 70);
    await putInProduction(h, 'b1');
    // Production moves after the gates ahead read b1's evidence as the baseline.
    const { inputs, deps } = recordingRunner(h.deps, () => putInProduction(h, 'b2', 'b1'));
    const { decision } = await requestTransition(deps, people.mlops, {
      model: churn,
      version: '1',
      to: 'production',
      reason: 'Ready',
    });
    expect(inputs).toHaveLength(2);
    expect(decision.baseline?.version).toBe('b2');
    expect(decision.baseline?.evidenceDigest).toBe(await evidenceDigestOf(h, 'b2'));
    expect(decision.baseline?.evidenceDigest).not.toBe(await evidenceDigestOf(h, 'b1'));
  });

  it('executes on the evidence of its transaction when a file is attached after the read ahead', async () => {
    const h = await open();
    await registerChurn(h.deps, policy);
    const { request } = await requestTransition(h.deps, people.mlops, {
      model: churn,
      version: '1',
      to: 'staging',
      reason: 'Ready',
    });
    for (const [who, role] of [
      [people.tech, 'tech_lead'],
      [people.risk, 'risk_officer'],
    ] as const) {
      await recordApproval(h.deps, who, {
        requestId: request.id,
        role,
        decision: 'approve',
        comment: 'Fine',
        riskClass: 'low',
      });
    }
    // Evidence is fixed once a request names the version: written straight into the table, as
    // another server's attach racing the request would have left it.
    const extra = { path: 'notes.md', bytes: bytes('# Notes\n') };
    const stored = await h.deps.blobs.put(extra.bytes);
    // A cache of its own (another server's): the execution's gates run ahead, and the file
    // arrives once they have.
    const { inputs, deps } = recordingRunner(
      { ...h.deps, gateResults: new GateResultCache() },
      () =>
        h.deps.store.transaction(async (tx) => {
          await tx.evidence.insert({
            model: churn,
            version: '1',
            kind: classifyEvidenceFile(extra.path).kind,
            path: extra.path,
            digest: stored.digest,
            size: stored.size,
            mediaType: 'text/markdown',
            attachedAt: h.clock.now().toISOString(),
            attachedBy: people.ci.id,
          });
        }),
    );
    const refused = await refusal(executeTransition(deps, people.mlops, { requestId: request.id }));
    expect(inputs.map((i) => i.candidate.length)).toEqual([1, 2]);
    // Judged on the two files its transaction read, not the one read ahead: the sign-offs were
    // given on other evidence, and the denial is recorded with both files.
    expect(refused.message).toContain('the evidence changed after it was given');
    const decision = await h.store.read(async (tx) => {
      const stored = await tx.requests.get(request.id);
      return stored?.decisionId === undefined ? undefined : tx.decisions.get(stored.decisionId);
    });
    expect(decision?.outcome).toBe('denied');
    expect(decision?.evidence.map((e) => e.path).sort()).toEqual(['metrics.json', 'notes.md']);
  });

  it('checks a promotion’s baseline against the decision its request names in the transaction', async () => {
    const h = await open();
    await registerChurn(h.deps, policy);
    await withMetrics(h, 'b1', 90);
    await withMetrics(h, 'b2', 70);
    await putInProduction(h, 'b1');
    const { request } = await requestTransition(h.deps, people.mlops, {
      model: churn,
      version: '1',
      to: 'production',
      reason: 'Ready',
    });
    await recordApproval(h.deps, people.tech, {
      requestId: request.id,
      role: 'tech_lead',
      decision: 'approve',
      comment: 'Fine',
      riskClass: 'low',
    });
    // After the read ahead (which found the request's decision against b1): production moves to
    // b2 and the request comes to name a decision against b2, as a re-evaluation would leave it.
    const { deps } = recordingRunner({ ...h.deps, gateResults: new GateResultCache() }, () =>
      putInProduction(h, 'b2', 'b1').then(() =>
        h.store.transaction(async (tx) => {
          const stored = await tx.requests.get(request.id);
          const first = stored?.decisionId && (await tx.decisions.get(stored.decisionId));
          if (!stored || !first) throw new Error('the request and its decision are stored');
          const records = await tx.evidence.list(churn, 'b2');
          const evidence = records.map(({ kind, path, digest, size }) => ({
            kind,
            path,
            digest,
            size,
          }));
          const against = {
            ...first,
            id: `${first.id}-b2`,
            baseline: { version: 'b2', evidenceDigest: evidenceSetDigest(records), evidence },
          };
          await tx.decisions.insert(against);
          await tx.requests.update({ ...stored, decisionId: against.id });
        }),
      ),
    );
    // Judged against the decision read under the lock (b2, production now): executed. The one
    // read ahead (b1) would have refused it as judged against a replaced production version.
    const done = await executeTransition(deps, people.mlops, { requestId: request.id });
    expect(done.request.status).toBe('executed');
    expect(done.demoted).toBe('b2');
  });

  it('asks the holders of the roles its transaction’s policy names, not the ones read ahead', async () => {
    const h = await open();
    // The staging transition asks a risk officer alone when the gates ahead read the policy…
    const riskOnly = policy.replace(
      `approvals:
      - { role: tech_lead }
      - { role: risk_officer }`,
      `approvals:
      - { role: risk_officer }`,
    );
    expect(riskOnly).not.toBe(policy);
    await registerChurn(h.deps, riskOnly);
    const at = h.clock.now().toISOString();
    await h.store.transaction(async (tx) => {
      for (const [id, role] of [
        ['tia.tech', 'tech_lead'],
        ['ria.risk', 'risk_officer'],
      ] as const) {
        await tx.identity.insertUser({ id, createdAt: at, createdBy: 'test' });
        await tx.identity.grantRole({
          id: `g-${id}`,
          userId: id,
          role,
          grantedAt: at,
          grantedBy: 'test',
        });
      }
    });
    // …and a tech lead too once the transaction reads it.
    const both = await registerPolicy(h.deps, people.admin, { text: policy });
    const { deps } = recordingRunner(h.deps, async () => {
      await setModelPolicy(h.deps, people.admin, {
        model: churn,
        policyDigest: both.digest,
        reason: 'A tech lead signs off too',
      });
    });
    const before = (await outboxEvents(h.store)).length;
    const { request } = await requestTransition(deps, people.mlops, {
      model: churn,
      version: '1',
      to: 'staging',
      reason: 'Ready',
    });
    expect(request.policyDigest).toBe(both.digest);
    const asked = (await outboxEvents(h.store))
      .slice(before)
      .filter((e) => e.type === 'approval.requested')
      .map((e) => (e.payload as { data: { awaiting: unknown } }).data.awaiting);
    expect(asked).toEqual([
      [
        { role: 'tech_lead', needed: 1, holders: [{ userId: 'tia.tech' }] },
        { role: 'risk_officer', needed: 1, holders: [{ userId: 'ria.risk' }] },
      ],
    ]);
  });

  if (engine !== 'postgres') return;

  it('takes the round trips counted here for each step of the governed path', async () => {
    const h = await open();
    await registerChurn(h.deps, policy);
    const register = await roundTripsOf(() =>
      registerVersion(h.deps, people.ci, {
        model: churn,
        version: '2',
        artifactUri: 's3://m/churn/2',
        artifactDigest: `sha256:${'cd'.repeat(32)}`,
        lineage: {},
      }),
    );
    const attach = await roundTripsOf(() =>
      attachEvidence(h.deps, people.ci, {
        model: churn,
        version: '2',
        files: [{ path: 'metrics.json', bytes: bytes('{"latency_p95_ms": 80}') }],
      }),
    );
    // As a server attaches: always with a quota (config), whose check reads the user's latest
    // ledger totals, which the ledger row then goes on from without reading them again (ADR 052).
    const attachChecked = await roundTripsOf(() =>
      attachEvidence(
        { ...h.deps, uploadQuota: { bytes: 2 ** 40, windowSeconds: 86_400 } },
        people.ci,
        {
          model: churn,
          version: '2',
          files: [{ path: 'latency.json', bytes: bytes('{"latency_p99_ms": 120}') }],
        },
      ),
    );
    let requestId = '';
    const request = await roundTripsOf(async () => {
      requestId = (
        await requestTransition(h.deps, people.mlops, {
          model: churn,
          version: '2',
          to: 'staging',
          reason: 'Ready',
        })
      ).request.id;
    });
    const approve = await roundTripsOf(() =>
      recordApproval(h.deps, people.tech, {
        requestId,
        role: 'tech_lead',
        decision: 'approve',
        comment: 'Fine',
        riskClass: 'low',
      }),
    );
    await recordApproval(h.deps, people.risk, {
      requestId,
      role: 'risk_officer',
      decision: 'approve',
      comment: 'Fine',
      riskClass: 'low',
    });
    const execute = await roundTripsOf(() =>
      executeTransition(h.deps, people.mlops, { requestId }),
    );
    // Each list: the step's write transactions, each from its opening to its COMMIT.
    // Register: the opening with the model's lock; the version with its state and entry.
    expect(register).toEqual([3]);
    // Attach: the upload's ledger row (no quota here: the opening with the user's latest totals;
    // the row; the COMMIT); then the opening with the model's lock, the version, its evidence and
    // requests; the records with their entry. With a quota, the opening with the quota check
    // (the totals read with it), the row, the COMMIT: the same count.
    expect(attach).toEqual([3, 3]);
    expect(attachChecked).toEqual([3, 3]);
    // Request: the opening with the model's lock, the version beside production, the open
    // requests, the evidence and the holders of the roles it waits for; the request, its entry,
    // the decision and the event asking for sign-offs.
    expect(request).toEqual([3]);
    // Approve: the opening with the request, its model and the sign-offs so far; the version,
    // the evidence and the approvers' roles; the sign-off, its entry and what it settles.
    expect(approve).toEqual([4]);
    // Execute: the opening with the request, the model, the version beside production, the
    // evidence, the sign-offs, their signers' roles and their entries; the decision with the
    // version's move, the request's row, its entry and its event.
    expect(execute).toEqual([3]);
  });
});
