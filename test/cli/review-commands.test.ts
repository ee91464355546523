/**
 * `clearance review` and `clearance reviews`, in-process through runCli, on every engine: through
 * a server (the remote registry, as a risk officer with a token); like the other client commands
 * they act for a person and never open the database as the operator.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { forEachStore, readActions, readAudit } from '../app/harness.js';
import { executedHotfix, serve } from '../http/review-fixture.js';
import { runCli } from './run-cli.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

forEachStore('review commands', (open) => {
  it('a risk officer reviews an executed emergency through a server; it leaves the due list', async () => {
    const h = await open();
    const id = await executedHotfix(h);
    const served = await serve(h);
    app = served.app;
    const risk = await served.personWith('rita.risk', 'risk_officer');
    const url = await served.app.listen({ port: 0, host: '127.0.0.1' });
    const as = (args: string[], format: 'json' | 'text' = 'json') =>
      runCli([...args, '--server', url, '--token', served.tokens[risk] ?? '', '--format', format]);

    const due = await as(['reviews']);
    expect(due.status, due.stderr).toBe(0);
    expect(JSON.parse(due.stdout)).toMatchObject([
      { requestId: id, bypassedGates: ['auc', 'ks'], reviewDueAt: '2026-03-06T09:00:00.000Z' },
    ]);
    const text = await as(['reviews'], 'text');
    expect(text.stdout).toContain(`Request ${id}: credit-risk-pd 2026.1-hotfix1, bypassed auc, ks`);
    expect(text.stdout).toContain('needs risk_officer ×1');

    // No ticket: the emergency's transition requires one; nothing is recorded.
    const before = (await readAudit(h)).length;
    const noTicket = await as(['review', id, '--role', 'risk_officer', '--comment', 'ok']);
    expect(noTicket.status).toBe(2);
    expect(noTicket.stderr).toContain('ticket');
    expect((await readAudit(h)).length).toBe(before);

    const reviewed = await as([
      'review',
      id,
      '--role',
      'risk_officer',
      '--comment',
      'Root cause understood; hotfix acceptable',
      '--ticket',
      'RISK-912',
    ]);
    expect(reviewed.status, reviewed.stderr).toBe(0);
    expect(JSON.parse(reviewed.stdout)).toMatchObject({
      approval: { approver: risk, role: 'risk_officer', decision: 'approve', ticket: 'RISK-912' },
      review: { satisfied: true },
    });
    expect((await readActions(h)).at(-1)).toBe('review.recorded');
    const entry = (await readAudit(h)).at(-1);
    expect(entry?.actor.id).toBe(risk);
    expect(entry?.ticket).toBe('RISK-912');

    expect(JSON.parse((await as(['reviews'])).stdout)).toEqual([]);
    expect(JSON.parse((await as(['reviews', '--status', 'all'])).stdout)).toMatchObject([
      { requestId: id, reviewComplete: true },
    ]);
    expect((await as(['reviews'], 'text')).stdout).toBe('No due reviews.\n');
  });

  it("acts for a person only: there is no --database, so a review is never the operator's", async () => {
    const h = await open();
    const id = await executedHotfix(h);
    const dataDir = mkdtempSync(join(tmpdir(), 'clearance-review-cli-'));
    const before = await readActions(h);
    for (const args of [
      ['review', id, '--role', 'risk_officer', '--comment', 'ok', '--ticket', 'RISK-1'],
      ['reviews', '--status', 'all'],
    ]) {
      const refused = await runCli([
        ...args,
        '--database',
        h.database ?? '',
        '--data-dir',
        dataDir,
      ]);
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain("unknown option '--database'");
    }
    expect(await readActions(h)).toEqual(before);
  });
});
