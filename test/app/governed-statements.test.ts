/**
 * The governed path sends no statement it does not need (issue 12 item 3, ADR 028): an attach
 * inserts its files' ledger rows and evidence rows in one statement each, a locked model read
 * brings its policy along, an outbox event schedules its dispatch without first looking for it
 * (on PostgreSQL in the event's statement, ADR 042),
 * an approval's read ahead of its transaction is one statement, reads ahead of a transaction that
 * repeats them open no read transaction (ADR 042), a version comes with the
 * production baseline, and the approvers' roles are read in one statement. Counted on the real engines
 * (`watchStatements`); what each step decides is held elsewhere (gates-ahead, transitions).
 */
import { expect, it } from 'vitest';
import {
  attachEvidence,
  executeTransition,
  recordApproval,
  registerVersion,
  requestTransition,
} from '../../src/app/index.js';
import { watchStatements } from '../../src/store/index.js';
import { churn, registerChurn } from './churn-fixture.js';
import { forEachStore, people } from './harness.js';

const policy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: governed-statements, riskTier: medium }
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

/** The statements `step` sends, as texts with their white space collapsed. */
async function statementsOf(step: () => Promise<unknown>): Promise<string[]> {
  const texts: string[] = [];
  const stop = watchStatements((text) => texts.push(text.replace(/\s+/g, ' ').trim()));
  try {
    await step();
  } finally {
    stop();
  }
  return texts;
}

const count = (texts: readonly string[], start: string) =>
  texts.filter((t) => t.startsWith(start)).length;
/** Read transactions opened (Kysely's BEGIN; a write transaction opens with its own text). */
const readTransactions = (texts: readonly string[]) => texts.filter((t) => t === 'begin').length;
const naming = (texts: readonly string[], part: string) =>
  texts.filter((t) => t.includes(part)).length;

forEachStore('statements of the governed path', (open, engine) => {
  if (engine === 'memory') return;
  it('sends each step only the statements it needs', async () => {
    const h = await open();
    const { deps } = h;
    await registerChurn(deps, policy);
    await registerVersion(deps, people.ci, {
      model: churn,
      version: '2',
      artifactUri: 's3://m/churn/2',
      artifactDigest: `sha256:${'cd'.repeat(32)}`,
      lineage: {},
    });
    const attach = await statementsOf(() =>
      attachEvidence(deps, people.ci, {
        model: churn,
        version: '2',
        files: [
          { path: 'metrics.json', bytes: bytes('{"latency_p95_ms": 70}') },
          { path: 'lineage.json', bytes: bytes('{"trainedBy": "tina.trainer"}') },
          { path: 'notes/readme.md', bytes: bytes('# Churn 2\n') },
        ],
      }),
    );
    expect(count(attach, 'insert into "blob_uploads"')).toBe(1);
    expect(count(attach, 'insert into "evidence"')).toBe(1);
    expect(naming(attach, 'from "policies"')).toBe(0);
    // The check ahead of the bytes' upload is repeated by the transaction: no read transaction.
    expect(readTransactions(attach)).toBe(0);

    let requestId = '';
    const request = await statementsOf(async () => {
      const opened = await requestTransition(deps, people.mlops, {
        model: churn,
        version: '2',
        to: 'staging',
        reason: 'Ready',
      });
      requestId = opened.request.id;
    });
    expect(naming(request, 'from "policies"')).toBe(0);
    expect(naming(request, 'from "jobs"')).toBe(0);
    // The event's dispatch job: inserted once, with no look-up; on PostgreSQL in the event's own
    // statement (ADR 042), where a statement is a round trip.
    expect(naming(request, 'insert into "jobs"')).toBe(1);
    const folded = naming(request, 'with "e" as (insert into "outbox"');
    expect(folded).toBe(engine === 'postgres' ? 1 : 0);
    expect(count(request, 'insert into "outbox"')).toBe(1 - folded);
    // The version and the production baseline in one statement, ahead and in the transaction.
    expect(naming(request, 'from "versions"')).toBe(2);
    // The row is written once, naming its decision; no update follows.
    expect(count(request, 'update "transition_requests"')).toBe(0);
    // The version's open requests are looked for under the lock only, not again ahead of it.
    expect(naming(request, 'from "transition_requests"')).toBe(1);
    // The gates' input read ahead outside a transaction (ADR 042): no BEGIN, no second COMMIT.
    expect(readTransactions(request)).toBe(0);

    const approve = await statementsOf(() =>
      recordApproval(deps, people.tech, {
        requestId,
        role: 'tech_lead',
        decision: 'approve',
        comment: 'Fine',
        riskClass: 'low',
      }),
    );
    // Read ahead: one statement, no read transaction; in the transaction: the request, once, and
    // its model found by the request's id, sent beside it (ADR 049): no read of the model by name.
    // On PostgreSQL one more ahead: the request's model, which the write names (ADR 051).
    expect(naming(approve, 'from "transition_requests" where "id" =')).toBe(
      engine === 'postgres' ? 3 : 2,
    );
    expect(naming(approve, '"models"."name" = (select "model" from "transition_requests"')).toBe(1);
    expect(naming(approve, 'where "models"."name" = $1')).toBe(0);
    expect(naming(approve, 'where "models"."name" = ?')).toBe(0);
    expect(naming(approve, 'from "evidence" inner join')).toBe(1);
    expect(naming(approve, 'from "jobs"')).toBe(0);
    expect(count(approve, 'insert into "jobs"')).toBe(engine === 'postgres' ? 0 : 1);

    const execute = await statementsOf(() => executeTransition(deps, people.mlops, { requestId }));
    expect(naming(execute, 'from "policies"')).toBe(0);
    expect(naming(execute, 'from "jobs"')).toBe(0);
    // Ahead (a read-only snapshot: on PostgreSQL it used to fail at its first, locking, read)
    // and in the transaction.
    expect(naming(execute, 'from "versions"')).toBe(2);
    expect(readTransactions(execute)).toBe(0);
    expect(naming(execute, 'from "role_bindings"') + naming(execute, 'from "users"')).toBe(1);
    // The request: ahead, then once under the lock of the model read ahead (no read to find it).
    expect(naming(execute, 'from "transition_requests" where "id" =')).toBe(2);
    await expect(deps.store.readOne((tx) => tx.requests.get(requestId))).resolves.toMatchObject({
      status: 'executed',
    });
  });
});
