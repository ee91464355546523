/**
 * Approvals and executions read the version's lineage evidence (separation of duties: its
 * trainers) before their write transaction, not inside it: a blob read inside held the write lock
 * — on SQLite every write of a group-committed batch — for as long as the file system took. Here
 * a lineage read is held open, and another write on the same model must still commit meanwhile.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import {
  type AppDeps,
  attachEvidence,
  executeTransition,
  LineageReadings,
  recordApproval,
  registerVersion,
  requestTransition,
} from '../../src/app/index.js';
import type { BlobStore } from '../../src/app/shared/ports.js';
import type { Principal } from '../../src/domain/index.js';
import { churn, registerChurn } from './churn-fixture.js';
import { forEachStore, people, person } from './harness.js';

const policy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: lineage-ahead, riskTier: medium }
roles: [mlops, tech_lead, admin]
transitions:
  - from: draft
    to: staging
    requestedBy: [mlops]
    gates:
      - { id: latency, type: metric, metric: latency_p95_ms, max: 120 }
    approvals:
      - { role: tech_lead }
`;
const bytes = (text: string) => new TextEncoder().encode(text);
const lineage = { path: 'lineage.json', bytes: bytes('{"trainedBy": "tina.trainer"}') };

/** `inner`, whose `get` of `digest` waits, once armed, until `release` is called. */
function holdingBlobs(inner: BlobStore) {
  let armed: string | undefined;
  let entered: () => void = () => undefined;
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const blobs: BlobStore = {
    put: (b) => inner.put(b),
    async get(digest) {
      if (digest === armed) {
        entered();
        await gate;
      }
      return inner.get(digest);
    },
    writeTo: (digest, path) => inner.writeTo(digest, path),
    stream: (digest) => inner.stream(digest),
    has: (digest) => inner.has(digest),
    list: () => inner.list(),
    withdraw: (digest) => inner.withdraw(digest),
    restoreWithdrawn: () => inner.restoreWithdrawn(),
    removeAbandonedWrites: (input) => inner.removeAbandonedWrites(input),
  };
  return { blobs, held, release, arm: (digest: string) => (armed = digest) };
}

/** The churn model's version 1 with a lineage file, requested; version 2 registered beside it. */
async function requested(deps: AppDeps) {
  await registerChurn(deps, policy);
  const [stored] = await attachEvidence(deps, people.ci, {
    model: churn,
    version: '1',
    files: [lineage],
  });
  await registerVersion(deps, people.ci, {
    model: churn,
    version: '2',
    artifactUri: 's3://m/churn/2',
    artifactDigest: `sha256:${'cd'.repeat(32)}`,
    lineage: {},
  });
  const { request } = await requestTransition(deps, people.mlops, {
    model: churn,
    version: '1',
    to: 'staging',
    reason: 'Ready',
  });
  if (!stored) throw new Error('lineage.json was not attached');
  return { request, lineageDigest: stored.digest };
}

/**
 * Whether a write on the same model commits while the lineage read of `step` is held: it waits
 * at most `patience` for it, then releases the read either way, so nothing is left hanging.
 */
/** A tech lead's approval (or a trainer's, posing as one) of `requestId`. */
function approveAs(deps: AppDeps, who: Principal, requestId: string) {
  return recordApproval(deps, who, {
    requestId,
    role: 'tech_lead',
    decision: 'approve',
    comment: 'Fine',
    riskClass: 'low',
  });
}

async function writesWhileLineageHeld(
  deps: AppDeps,
  hold: ReturnType<typeof holdingBlobs>,
  step: () => Promise<unknown>,
): Promise<{ committed: boolean; step: unknown }> {
  const running = step();
  await hold.held;
  const other = attachEvidence(deps, people.ci, {
    model: churn,
    version: '2',
    files: [{ path: 'metrics.json', bytes: bytes('{"latency_p95_ms": 90}') }],
  }).then(() => true);
  const patience = sleep(2000).then(() => false);
  const committed = await Promise.race([other, patience]);
  hold.release();
  await other;
  return { committed, step: await running };
}

forEachStore('lineage evidence read ahead of the write transaction', (open) => {
  it('commits other writes while an approval reads the lineage evidence', async () => {
    const h = await open();
    const hold = holdingBlobs(h.deps.blobs);
    const deps = { ...h.deps, blobs: hold.blobs };
    const { request, lineageDigest } = await requested(deps);
    hold.arm(lineageDigest);
    const approve = () => approveAs(deps, people.tech, request.id);
    const { committed, step } = await writesWhileLineageHeld(deps, hold, approve);
    expect(committed).toBe(true);
    expect(step).toMatchObject({ request: { status: 'approved' } });
  });

  it('commits other writes while an approval reads a lineage file it keeps no reading of', async () => {
    const h = await open();
    const hold = holdingBlobs(h.deps.blobs);
    const deps = { ...h.deps, blobs: hold.blobs };
    const { request, lineageDigest } = await requested(deps);
    // Readings kept, but none of this file (attached by another server, or evicted): the
    // approval's transaction on kept readings ends, and the file is read ahead of another.
    const withReadings: AppDeps = { ...deps, lineageReadings: new LineageReadings() };
    hold.arm(lineageDigest);
    const approve = () => approveAs(withReadings, people.tech, request.id);
    const { committed, step } = await writesWhileLineageHeld(deps, hold, approve);
    expect(committed).toBe(true);
    expect(step).toMatchObject({ request: { status: 'approved' } });
    expect(withReadings.lineageReadings?.get(lineageDigest)).toBe('tina.trainer');
  });

  it('commits other writes while an execution reads the lineage evidence', async () => {
    const h = await open();
    const hold = holdingBlobs(h.deps.blobs);
    const deps = { ...h.deps, blobs: hold.blobs };
    const { request, lineageDigest } = await requested(deps);
    await approveAs(deps, people.tech, request.id);
    hold.arm(lineageDigest);
    const execute = () => executeTransition(deps, people.mlops, { requestId: request.id });
    const { committed, step } = await writesWhileLineageHeld(deps, hold, execute);
    expect(committed).toBe(true);
    expect(step).toMatchObject({ request: { status: 'executed' } });
  });

  it('still refuses the trainer a lineage file names, read ahead', async () => {
    const h = await open();
    const { request } = await requested(h.deps);
    const trainer = person('tina.trainer', 'tech_lead');
    const refused = approveAs(h.deps, trainer, request.id);
    await expect(refused).rejects.toMatchObject({ code: 'forbidden' });
  });
});
