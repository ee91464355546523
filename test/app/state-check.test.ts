/**
 * The database proven against the audit log (issue 7, finding 10), on both engines: a registry
 * built through the use cases checks clean; rows inserted or edited behind the service's back
 * (triggers out of the way, as a tamper would) are each named by `checkStoredState`, while the
 * log itself still verifies — and execute no longer counts an approval without its entry.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  checkStoredState,
  executeTransition,
  recordApproval,
  type StateCheck,
  scheduledJobHandlers,
  signAuditCheckpoint,
  verifyStoredLog,
} from '../../src/app/index.js';
import { loadAuditSigner } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import { ClearanceError } from '../../src/domain/index.js';
import { createJobRunner } from '../../src/jobs/index.js';
import { stubServer } from '../http/fixture.js';
import { eachEngine } from '../store/engines.js';
import { people, type StoreHarness } from './harness.js';
import { behindTheService, openHarness, workedRegistry } from './state-fixtures.js';

function disagreementsOf(check: Awaited<ReturnType<typeof checkStoredState>>, key: string) {
  return check.disagreements.filter((d) => d.key === key || d.key.startsWith(`${key}@`));
}

/** The log itself still verifies: the edits are invisible to `audit verify` without --state. */
async function logVerifies(h: StoreHarness, keyDir: string): Promise<boolean> {
  const signer = loadAuditSigner(loadConfig({ flags: { dataDir: keyDir }, env: {} }));
  await signAuditCheckpoint(h.deps, signer);
  const verified = await verifyStoredLog(h.deps, { log: signer });
  return verified.result.ok;
}

eachEngine('state proven against the audit log', (engine) => {
  // One signing key per database: the tests of a file share it.
  const keyDir = mkdtempSync(join(tmpdir(), 'clearance-state-key-'));
  it('finds no disagreement in a registry built through the use cases', async () => {
    const h = await openHarness(engine);
    await workedRegistry(h, 'clean-pd');
    const check = await checkStoredState(h.deps);
    expect(check.problems).toEqual([]);
    expect(disagreementsOf(check, 'clean-pd')).toEqual([]);
  });

  it('names an approval row inserted for user "ghost", and execute does not count it', async () => {
    const h = await openHarness(engine);
    const { open } = await workedRegistry(h, 'ghost-pd');
    const dialect = engine.openDialect();
    await behindTheService(dialect, [], async (db) => {
      await sql`insert into approvals (id, request_id, approver, role, decision, comment, ticket, risk_class, evidence_digest, policy_digest, at)
        values ('ghost-approval', ${open.id}, 'ghost', 'tech_lead', 'approve', 'lgtm', null, 'low', ${open.evidenceDigest}, ${open.policyDigest}, ${h.clock.now().toISOString()})`.execute(
        db,
      );
    });
    expect(await logVerifies(h, keyDir)).toBe(true);
    const check = await checkStoredState(h.deps);
    expect(check.disagreements).toContainEqual({
      table: 'approvals',
      key: 'ghost-approval',
      field: 'row',
      expected: null,
      found: `approve by ghost as tech_lead on request ${open.id}`,
    });
    const refused = await executeTransition(h.deps, people.owner, { requestId: open.id }).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ClearanceError);
    expect((refused as ClearanceError).code).toBe('precondition_failed');
    expect((refused as ClearanceError).message).toContain(
      'Approval by ghost as tech_lead does not count: no matching approval.recorded entry',
    );
  });

  it('names an approval row edited after its entry was written, and execute does not count it', async () => {
    const h = await openHarness(engine);
    const { open } = await workedRegistry(h, 'edited-pd');
    const { approval } = await recordApproval(h.deps, people.tech, {
      requestId: open.id,
      role: 'tech_lead',
      decision: 'approve',
      comment: 'Training set-up reviewed',
      riskClass: 'low',
    });
    // Freshening the sign-off's time (as if to outlive an approval expiry) and its comment.
    const later = new Date(Date.parse(approval.at) + 3_600_000).toISOString();
    const dialect = engine.openDialect();
    await behindTheService(dialect, ['approvals'], async (db) => {
      await sql`update approvals set at = ${later}, comment = 'Re-reviewed' where id = ${approval.id}`.execute(
        db,
      );
    });
    expect(await logVerifies(h, keyDir)).toBe(true);
    const check = await checkStoredState(h.deps);
    const named = check.disagreements.filter((d) => d.key === approval.id);
    expect(named.map((d) => [d.table, d.field, d.expected, d.found])).toEqual([
      ['approvals', 'comment', 'Training set-up reviewed', 'Re-reviewed'],
      ['approvals', 'at', approval.at, later],
    ]);
    const refused = await executeTransition(h.deps, people.owner, { requestId: open.id }).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ClearanceError);
    expect((refused as ClearanceError).message).toContain(
      'Approval by tess.tech as tech_lead does not count: no matching approval.recorded entry',
    );
  });

  it('names version_states and serving rows edited to serve an unreviewed draft', async () => {
    const h = await openHarness(engine);
    await workedRegistry(h, 'served-pd');
    const dialect = engine.openDialect();
    await behindTheService(dialect, [], async (db) => {
      await sql`update version_states set state = 'deprecated' where model = 'served-pd' and version = '2026.2'`.execute(
        db,
      );
      await sql`update version_states set state = 'production' where model = 'served-pd' and version = '2026.3'`.execute(
        db,
      );
      await sql`update serving set production_version = '2026.3' where model = 'served-pd'`.execute(
        db,
      );
    });
    expect(await logVerifies(h, keyDir)).toBe(true);
    const check = await checkStoredState(h.deps);
    const named = disagreementsOf(check, 'served-pd').map((d) => [
      d.table,
      d.key,
      d.field,
      d.expected,
      d.found,
    ]);
    expect(named).toEqual([
      ['version_states', 'served-pd@2026.2', 'state', 'production', 'deprecated'],
      ['version_states', 'served-pd@2026.3', 'state', 'draft', 'production'],
      ['serving', 'served-pd', 'production_version', '2026.2', '2026.3'],
    ]);
  });
  it('is checked by the state.check job and counted in /metrics, with the check time', async () => {
    const h = await openHarness(engine);
    const { open } = await workedRegistry(h, 'metrics-pd');
    await behindTheService(engine.openDialect(), [], async (db) => {
      await sql`insert into approvals (id, request_id, approver, role, decision, comment, ticket, risk_class, evidence_digest, policy_digest, at)
        values ('ghost-metrics', ${open.id}, 'ghost', 'tech_lead', 'approve', 'lgtm', null, 'low', ${open.evidenceDigest}, ${open.policyDigest}, ${h.clock.now().toISOString()})`.execute(
        db,
      );
    });
    // The server's `state.check` job, run on the harness's clock as a server's runner would.
    const checks: StateCheck[] = [];
    const runner = createJobRunner({
      store: h.store,
      clock: h.clock,
      handlers: scheduledJobHandlers(h.deps, {
        signer: loadAuditSigner(loadConfig({ flags: { dataDir: keyDir }, env: {} })),
        blobGraceSeconds: 3600,
        keepUploadsSeconds: 3600,
        queueRetentionSeconds: 3600,
        onChecked: (check) => checks.push(check),
      }),
      recurring: [{ kind: 'state.check', key: 'state.check', everyMs: 3_600_000 }],
    });
    await runner.ensureRecurring();
    expect(await runner.runDue()).toBe(1);
    // Not again within the period.
    h.clock.advance(3_599_000);
    expect(await runner.runDue()).toBe(0);
    expect(checks).toHaveLength(1);
    const check = checks[0] as StateCheck;
    const ghost = check.disagreements.find((d) => d.key === 'ghost-metrics');
    expect(ghost).toMatchObject({ table: 'approvals', expected: null });
    const { app, identity } = stubServer(
      {
        registryMetrics: async () => ({
          models: 1,
          auditEntries: check.auditEntries,
          pendingRequests: [],
          overdueReviews: 0,
        }),
      },
      { stateCheck: () => check },
    );
    try {
      const res = await app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: identity.bearer('pat', 'auditor') },
      });
      expect(res.body).toContain(`clearance_state_disagreements ${check.disagreements.length}\n`);
      expect(res.body).toContain(
        `clearance_state_check_timestamp_seconds ${Date.parse(check.checkedAt) / 1000}\n`,
      );
    } finally {
      await app.close();
    }
  });
});

describe('a clean check', () => {
  it('is the empty list, not a vacuous pass: a missing row is named too', async () => {
    const { compareAuditState } = await import('../../src/app/audit-log/compare-audit-state.js');
    const { emptyExpectedState } = await import('../../src/app/audit-log/replay-audit-state.js');
    const expected = emptyExpectedState();
    expected.models.set('m', { policyDigest: 'sha256:aa' });
    const found = { models: [], versions: [], serving: [], requests: [], approvals: [] };
    expect(compareAuditState(expected, found)).toEqual([
      { table: 'models', key: 'm', field: 'row', expected: 'm', found: null },
    ]);
  });
});
