/**
 * Lineage trainers kept by blob digest (ADR 020): a lineage file attached in this process is not
 * read back from the blob store by the approvals and the execution that follow, and separation of
 * duties judges them on the same reading. A file that cannot be read is never kept.
 */
import { describe, expect, it } from 'vitest';
import {
  type AppDeps,
  attachEvidence,
  executeTransition,
  LineageReadings,
  recordApproval,
  requestTransition,
} from '../../src/app/index.js';
import type { BlobStore } from '../../src/app/shared/ports.js';
import { watchStatements } from '../../src/store/index.js';
import { churn, registerChurn } from './churn-fixture.js';
import { forEachStore, people, person } from './harness.js';

const policy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: lineage-readings, riskTier: medium }
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

/** `inner`, counting `get`s by digest. */
function countingBlobs(inner: BlobStore) {
  const gets = new Map<string, number>();
  const blobs: BlobStore = {
    put: (b) => inner.put(b),
    get(digest) {
      gets.set(digest, (gets.get(digest) ?? 0) + 1);
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
  return { blobs, gets: (digest: string) => gets.get(digest) ?? 0 };
}

async function requestedWith(deps: AppDeps, lineageText: string) {
  await registerChurn(deps, policy);
  const [lineage] = await attachEvidence(deps, people.ci, {
    model: churn,
    version: '1',
    files: [{ path: 'lineage.json', bytes: bytes(lineageText) }],
  });
  if (!lineage) throw new Error('lineage.json was not attached');
  const { request } = await requestTransition(deps, people.mlops, {
    model: churn,
    version: '1',
    to: 'staging',
    reason: 'Ready',
  });
  return { request, lineageDigest: lineage.digest };
}

const approval = (requestId: string) => ({
  requestId,
  role: 'tech_lead',
  decision: 'approve' as const,
  comment: 'Fine',
  riskClass: 'low' as const,
});

forEachStore('lineage readings kept by blob digest', (open) => {
  it('judges approvals and the execution on the reading kept at attach, with no blob read', async () => {
    const h = await open();
    const counting = countingBlobs(h.deps.blobs);
    const deps: AppDeps = {
      ...h.deps,
      blobs: counting.blobs,
      lineageReadings: new LineageReadings(),
    };
    const { request, lineageDigest } = await requestedWith(deps, '{"trainedBy": "tina.trainer"}');
    const trainer = person('tina.trainer', 'tech_lead');
    await expect(recordApproval(deps, trainer, approval(request.id))).rejects.toMatchObject({
      code: 'forbidden',
    });
    await recordApproval(deps, people.tech, approval(request.id));
    const executed = await executeTransition(deps, people.mlops, { requestId: request.id });
    expect(executed.request.status).toBe('executed');
    expect(counting.gets(lineageDigest)).toBe(0);
  });

  it('approves on kept readings with no read ahead of the transaction', async () => {
    const h = await open();
    const deps: AppDeps = { ...h.deps, lineageReadings: new LineageReadings() };
    const { request } = await requestedWith(deps, '{"trainedBy": "tina.trainer"}');
    const texts: string[] = [];
    const stop = watchStatements((text) => texts.push(text));
    try {
      await recordApproval(deps, people.tech, approval(request.id));
    } finally {
      stop();
    }
    // The read ahead lists the request's evidence joined to it; the transaction lists the
    // version's own.
    expect(texts.filter((t) => /from "evidence"\s+inner join/.test(t))).toHaveLength(0);
  });

  it('refuses the trainer on a reading made ahead when none was kept', async () => {
    const h = await open();
    const attachedHere: AppDeps = { ...h.deps, lineageReadings: new LineageReadings() };
    const { request } = await requestedWith(attachedHere, '{"trainedBy": "tina.trainer"}');
    // Another server's readings: none kept.
    const counting = countingBlobs(h.deps.blobs);
    const deps: AppDeps = {
      ...h.deps,
      blobs: counting.blobs,
      lineageReadings: new LineageReadings(),
    };
    const trainer = person('tina.trainer', 'tech_lead');
    await expect(recordApproval(deps, trainer, approval(request.id))).rejects.toMatchObject({
      code: 'forbidden',
    });
    await recordApproval(deps, people.tech, approval(request.id));
    const signed = await deps.store.readOne((tx) => tx.approvals.list(request.id));
    expect(signed.map((a) => a.approver)).toEqual([people.tech.id]);
  });

  it('keeps no reading of a lineage file that is not JSON, and refuses on it each time', async () => {
    const h = await open();
    const readings = new LineageReadings();
    const counting = countingBlobs(h.deps.blobs);
    const deps: AppDeps = { ...h.deps, blobs: counting.blobs, lineageReadings: readings };
    const { request, lineageDigest } = await requestedWith(deps, 'trainedBy: tina.trainer');
    for (let attempt = 0; attempt < 2; attempt++) {
      await expect(recordApproval(deps, people.tech, approval(request.id))).rejects.toBeInstanceOf(
        Error,
      );
    }
    expect(readings.get(lineageDigest)).toBeUndefined();
    expect(counting.gets(lineageDigest)).toBeGreaterThanOrEqual(2);
  });
});

describe('LineageReadings', () => {
  it('forgets the least recently used reading beyond its capacity', () => {
    const readings = new LineageReadings(2);
    readings.remember('sha256:a', 'ann');
    readings.remember('sha256:b', null);
    expect(readings.get('sha256:a')).toBe('ann');
    readings.remember('sha256:c', 'cy');
    expect(readings.get('sha256:b')).toBeUndefined();
    expect(readings.get('sha256:a')).toBe('ann');
    expect(readings.get('sha256:c')).toBe('cy');
  });

  it('keeps no unreadable reading', () => {
    const readings = new LineageReadings();
    readings.remember('sha256:a', 'unreadable');
    expect(readings.get('sha256:a')).toBeUndefined();
  });
});
