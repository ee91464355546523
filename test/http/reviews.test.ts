/**
 * Post-incident reviews through the API, on every engine: an emergency hotfix executed under
 * bypass shows what it bypassed and what its review owes, is reviewed with
 * `POST /requests/{id}/reviews` and leaves `GET /reviews?status=overdue`; the review's rules
 * (separation of duties, roles, one sign-off each, the ticket) refuse with nothing changed but
 * the audited denial.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { expireEmergencies } from '../../src/app/index.js';
import { forEachStore, readActions, type StoreHarness } from '../app/harness.js';
import { executedHotfix, serve as serveReviews } from './review-fixture.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function serve(h: StoreHarness) {
  const served = await serveReviews(h);
  app = served.app;
  return served;
}

const findings = {
  decision: 'approve',
  role: 'risk_officer',
  comment: 'Root cause understood; hotfix acceptable',
  ticket: 'RISK-912',
};

forEachStore('post-incident reviews over the API', (open) => {
  it('an executed emergency reports its bypass and review, is reviewed, and leaves the overdue list', async () => {
    const h = await open();
    const id = await executedHotfix(h);
    const { personWith, call } = await serve(h);
    const risk = await personWith('rita.risk', 'risk_officer');

    const before = await call(risk, 'GET', `/requests/${id}`);
    expect(before.status).toBe(200);
    expect(before.body.status).toMatchObject({
      basis: 'post_incident_review',
      satisfied: false,
      missing: [{ role: 'risk_officer', needed: 1 }],
      emergency: {
        executedUnderBypass: true,
        bypassedGates: ['auc', 'ks'],
        bypassExpiresAt: '2026-03-04T09:00:00.000Z',
        reviewDueAt: '2026-03-06T09:00:00.000Z',
        reviewOverdue: false,
        reviewComplete: false,
        requiredRoles: [{ role: 'risk_officer', count: 1 }],
        signed: [],
      },
    });

    expect((await call(risk, 'GET', '/reviews?status=overdue')).body).toEqual([]);
    const due = await call(risk, 'GET', '/reviews');
    expect(due.body.map((r: { requestId: string }) => r.requestId)).toEqual([id]);
    h.clock.advance(6 * 24 * 3600_000);
    const overdue = await call(risk, 'GET', '/reviews?status=overdue');
    expect(overdue.body).toMatchObject([
      {
        requestId: id,
        reviewOverdue: true,
        bypassedGates: ['auc', 'ks'],
        requestedBy: 'bob.breakglass',
      },
    ]);

    const key = { 'idempotency-key': 'review-1' };
    const reviewed = await call(risk, 'POST', `/requests/${id}/reviews`, findings, key);
    expect(reviewed.status, JSON.stringify(reviewed.body)).toBe(201);
    expect(reviewed.body.review.satisfied).toBe(true);
    expect(reviewed.body.approval).toMatchObject({
      approver: risk,
      role: 'risk_officer',
      riskClass: 'high',
    });
    const replayed = await call(risk, 'POST', `/requests/${id}/reviews`, findings, key);
    expect(replayed.body).toEqual(reviewed.body);
    expect((await readActions(h)).filter((a) => a === 'review.recorded')).toHaveLength(1);

    expect((await call(risk, 'GET', '/reviews?status=overdue')).body).toEqual([]);
    expect((await call(risk, 'GET', '/reviews?status=due')).body).toEqual([]);
    const all = await call(risk, 'GET', '/reviews?status=all');
    expect(all.body).toMatchObject([{ requestId: id, reviewComplete: true }]);
    const after = await call(risk, 'GET', `/requests/${id}`);
    expect(after.body.status).toMatchObject({
      satisfied: true,
      emergency: {
        reviewComplete: true,
        reviewOverdue: false,
        signed: [{ approver: risk, role: 'risk_officer', decision: 'approve', ticket: 'RISK-912' }],
      },
    });
  });

  it('refuses what the review rules forbid, changing nothing but the audited denial', async () => {
    const h = await open();
    const id = await executedHotfix(h);
    const { personWith, call } = await serve(h);
    const requester = await personWith('bob.breakglass', 'break_glass', 'risk_officer');
    const risk = await personWith('rita.risk', 'risk_officer', 'compliance_officer');
    const mlops = await personWith('max.mlops', 'mlops');
    const nothingChanged = async (
      run: () => Promise<{ status: number; body: { code: string } }>,
      status: number,
      code: string,
    ) => {
      const before = await readActions(h);
      const refused = await run();
      expect(refused.status, JSON.stringify(refused.body)).toBe(status);
      expect(refused.body.code).toBe(code);
      const added = (await readActions(h)).slice(before.length);
      expect(added).toEqual(code === 'forbidden' ? ['access.denied'] : []);
    };
    const review = (who: string, body: object) =>
      call(who, 'POST', `/requests/${id}/reviews`, { ...findings, ...body });

    // The break-glass requester never reviews their own change (separation of duties).
    await nothingChanged(() => review(requester, {}), 403, 'forbidden');
    // A role the caller does not hold, and a role the review does not ask for.
    await nothingChanged(() => review(mlops, {}), 403, 'forbidden');
    await nothingChanged(() => review(risk, { role: 'compliance_officer' }), 400, 'invalid_input');
    // The ticket the emergency's transition requires: present, and matching its pattern.
    const { ticket: _dropped, ...noTicket } = findings;
    await nothingChanged(
      () => call(risk, 'POST', `/requests/${id}/reviews`, noTicket),
      400,
      'invalid_input',
    );
    await nothingChanged(() => review(risk, { ticket: 'JIRA-1' }), 400, 'invalid_input');
    // Bad bodies: empty findings, an unknown decision.
    await nothingChanged(() => review(risk, { comment: '' }), 400, 'invalid_input');
    await nothingChanged(() => review(risk, { decision: 'maybe' }), 400, 'invalid_input');
    await nothingChanged(
      () => call(risk, 'GET', '/reviews?status=late') as never,
      400,
      'invalid_input',
    );

    // Once its bypass window has ended (the expiry job ran), an approval of the emergency names
    // the review route; during the window it would be a standard-path sign-off (ADR 013).
    h.clock.advance(72 * 3600_000);
    await expireEmergencies(h.deps);
    const approve = await call(risk, 'POST', `/requests/${id}/approvals`, {
      ...findings,
      riskClass: 'high',
    });
    expect(approve.status).toBe(412);
    expect(JSON.stringify(approve.body)).toContain('POST /api/v1/requests/{id}/reviews');

    // One sign-off each: the same review twice is refused, and one person fills one role.
    expect((await review(risk, {})).status).toBe(201);
    await nothingChanged(() => review(risk, {}), 412, 'precondition_failed');
    const actions = await readActions(h);
    expect(actions.filter((a) => a === 'review.recorded')).toHaveLength(1);
  });
});
