/**
 * ADR 013: a rejecting post-incident review closes the review with outcome `rejected` and its
 * findings, emits `review.rejected` (the people who must act), leaves the due and overdue lists
 * for `?status=rejected`, is never escalated, and refuses later sign-offs. Through the API and the
 * CLI, on every engine.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { escalateReviews } from '../../src/app/index.js';
import { parseNotificationEvent } from '../../src/domain/index.js';
import { runCli } from '../cli/run-cli.js';
import { executedHotfix, serve } from '../http/review-fixture.js';
import { forEachStore, readAudit } from './harness.js';
import { outboxEvents } from './store-contents.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const findings = 'The bypassed AUC gate would have failed; the rollback plan was not followed';

forEachStore('a rejecting post-incident review', (open) => {
  it('closes the review with its findings through the API, emits review.rejected and is never escalated', async () => {
    const h = await open();
    const id = await executedHotfix(h);
    const served = await serve(h);
    app = served.app;
    const risk = await served.personWith('rita.risk', 'risk_officer');
    const other = await served.personWith('ron.risk', 'risk_officer');
    const rejected = await served.call(risk, 'POST', `/requests/${id}/reviews`, {
      decision: 'reject',
      role: 'risk_officer',
      comment: findings,
      ticket: 'RISK-1301',
    });
    expect(rejected.status).toBe(201);
    const listed = await served.call(risk, 'GET', '/reviews?status=rejected');
    expect(listed.body).toMatchObject([
      { requestId: id, reviewOutcome: 'rejected', reviewComplete: true, findings },
    ]);
    expect((await served.call(risk, 'GET', '/reviews?status=due')).body).toEqual([]);
    // Long past due: a rejected review is not overdue and is never escalated.
    h.clock.advance(30 * 24 * 3600_000);
    expect((await served.call(risk, 'GET', '/reviews?status=overdue')).body).toEqual([]);
    expect(await escalateReviews(h.deps)).toEqual([]);
    const late = await served.call(other, 'POST', `/requests/${id}/reviews`, {
      decision: 'approve',
      role: 'risk_officer',
      comment: 'Looks fine to me',
      ticket: 'RISK-1302',
    });
    expect(late.status).toBe(412);
    expect(JSON.stringify(late.body)).toContain(`was rejected by ${risk}`);
    const entry = (await readAudit(h)).findLast((e) => e.action === 'review.recorded');
    expect(entry).toMatchObject({
      reason: findings,
      ticket: 'RISK-1301',
      data: { decision: 'reject', outcome: 'rejected' },
    });
    const events = (await outboxEvents(h.store)).filter((e) => e.type === 'review.rejected');
    expect(events).toHaveLength(1);
    const parsed = parseNotificationEvent(events[0]?.payload);
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    expect(parsed.event).toMatchObject({
      occurredAt: entry?.time,
      data: {
        request: { id, requestedBy: 'bob.breakglass' },
        review: { reviewer: risk, role: 'risk_officer', findings, ticket: 'RISK-1301' },
        stillServing: true,
      },
    });
  });

  it('is recorded with clearance review --reject and listed by clearance reviews --status rejected', async () => {
    const h = await open();
    const id = await executedHotfix(h);
    const served = await serve(h);
    app = served.app;
    const risk = await served.personWith('rita.risk', 'risk_officer');
    const url = await served.app.listen({ port: 0, host: '127.0.0.1' });
    const as = (args: string[], format: 'json' | 'text' = 'json') =>
      runCli([...args, '--server', url, '--token', served.tokens[risk] ?? '', '--format', format]);
    const reviewed = await as(
      [
        'review',
        id,
        '--role',
        'risk_officer',
        '--comment',
        findings,
        '--ticket',
        'RISK-1301',
        '--reject',
      ],
      'text',
    );
    expect(reviewed.status, reviewed.stderr).toBe(0);
    expect(reviewed.stdout).toContain('the review is rejected');
    const listed = await as(['reviews', '--status', 'rejected'], 'text');
    expect(listed.stdout).toContain(`Request ${id}: credit-risk-pd 2026.1-hotfix1`);
    expect(listed.stdout).toContain(`REJECTED: ${findings}`);
    expect((await as(['reviews'], 'text')).stdout).toBe('No due reviews.\n');
    // A later sign-off on the closed review is refused (precondition_failed: exit 1, as the CLI
    // reference says), one line naming who rejected it; an unknown status is bad input (exit 2).
    const other = await served.personWith('ron.risk', 'risk_officer');
    const again = await runCli([
      'review',
      id,
      '--role',
      'risk_officer',
      '--comment',
      'Looks fine to me',
      '--ticket',
      'RISK-1302',
      '--server',
      url,
      '--token',
      served.tokens[other] ?? '',
      '--format',
      'text',
    ]);
    expect(again.status).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toContain(`rejected by ${risk}`);
    const bogus = await as(['reviews', '--status', 'closed'], 'text');
    expect(bogus.status).toBe(2);
    // One error line (the option parser adds where to read the options).
    const [line] = bogus.stderr.split('\n');
    expect(line).toMatch(/^error: .*'closed' is invalid.*rejected/);
  });
});
