/**
 * The emergency sign-off (ADR 011) through the API and the CLI, on every engine: a lone
 * break-glass execute is refused naming the missing sign-off, the requester cannot sign their
 * own emergency, and a second person's approval lets it execute.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { forEachStore, readActions, type StoreHarness } from '../app/harness.js';
import { runCli } from '../cli/run-cli.js';
import { requestedHotfix, serve as serveFixture } from './review-fixture.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function serve(h: StoreHarness) {
  const served = await serveFixture(h);
  app = served.app;
  return served;
}

const signOff = {
  decision: 'approve',
  role: 'risk_officer',
  comment: 'On call: the hotfix is needed now',
  ticket: 'RISK-911',
  riskClass: 'high',
};

forEachStore('emergency sign-off over the API and the CLI', (open) => {
  it('refuses a lone break-glass execute and self-approval; a second person lets it execute', async () => {
    const h = await open();
    const id = await requestedHotfix(h);
    const { personWith, call } = await serve(h);
    // The requester, holding the sign-off role as well.
    const bob = await personWith('bob.breakglass', 'break_glass', 'risk_officer');
    const rita = await personWith('rita.risk', 'risk_officer');

    const pending = await call(rita, 'GET', `/requests/${id}`);
    expect(pending.body.status).toMatchObject({
      basis: 'approvals',
      satisfied: false,
      missing: [{ role: 'risk_officer', needed: 1 }],
    });

    const lone = await call(bob, 'POST', `/requests/${id}/execute`, {});
    expect(lone.status).toBe(412);
    expect(lone.body.detail).toContain('Needs 1 more risk_officer approval(s).');
    expect((await call(rita, 'GET', '/models/credit-risk-pd/serving')).body.production).toEqual(
      expect.objectContaining({ version: '2026.1' }),
    );

    const before = await readActions(h);
    const self = await call(bob, 'POST', `/requests/${id}/approvals`, signOff);
    expect(self.status).toBe(403);
    expect(self.body.detail).toContain('separation of duties');
    expect((await readActions(h)).slice(before.length)).toEqual(['access.denied']);

    const signed = await call(rita, 'POST', `/requests/${id}/approvals`, signOff);
    expect(signed.status).toBe(201);
    expect(signed.body.request.status).toBe('approved');

    const executed = await call(bob, 'POST', `/requests/${id}/execute`, {});
    expect(executed.status).toBe(200);
    expect(executed.body.decision.signOff).toEqual({
      approvals: [{ role: 'risk_officer', count: 1 }],
      anyOne: false,
    });
    expect(
      executed.body.decision.approvalsCounted.map((a: { approver: string }) => a.approver),
    ).toEqual([rita]);
    const replay = await call(bob, 'POST', `/decisions/${executed.body.decision.id}/replay`, {});
    expect(replay.body).toMatchObject({ reproduced: true, differences: [] });
  });

  it('the CLI: promote exits 1 naming the sign-off, approve by another person, then promote', async () => {
    const h = await open();
    const id = await requestedHotfix(h);
    const served = await serve(h);
    const bob = await served.personWith('bob.breakglass', 'break_glass');
    const rita = await served.personWith('rita.risk', 'risk_officer');
    const url = await served.app.listen({ port: 0, host: '127.0.0.1' });
    const as = (who: string, args: string[]) =>
      runCli([...args, '--server', url, '--token', served.tokens[who] ?? '', '--format', 'json']);

    const early = await as(bob, ['promote', id]);
    expect(early.status).toBe(1);
    expect(early.stderr).toContain('risk_officer');
    const approved = await as(rita, [
      'approve',
      id,
      '--role',
      'risk_officer',
      '--comment',
      'On call: ship it',
      '--risk',
      'high',
      '--ticket',
      'RISK-911',
    ]);
    expect(approved.status, approved.stderr).toBe(0);
    const promoted = await as(bob, ['promote', id]);
    expect(promoted.status, promoted.stderr).toBe(0);
    expect(JSON.parse(promoted.stdout).request.status).toBe('executed');
  });
});
