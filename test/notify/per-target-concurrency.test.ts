/**
 * The runner drains a burst with all of its places, but sends at most `perTargetConcurrency`
 * attempts to one target at once: a slow receiver is not hit with every place the runner has,
 * and every delivery still arrives, exactly once per event and target. Both engines.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { type AppDeps, bindUseCases, notificationJobHandlers } from '../../src/app/index.js';
import { emit } from '../../src/app/shared/emit-event.js';
import { systemClock, uuidV7 } from '../../src/compose.js';
import { createJobRunner } from '../../src/jobs/index.js';
import { eachEngine } from '../store/engines.js';
import { channels } from './delivery-harness.js';

const admin = { id: 'admin', kind: 'user' as const, roles: [{ role: 'admin' as const }] };

eachEngine('per-target concurrency of deliveries', (engine) => {
  it('sends at most two attempts to one webhook at once while eight places drain the burst', async () => {
    const store = await engine.openStore();
    const open = new Map<string, number>();
    const most = new Map<string, number>();
    const received: string[] = [];
    const server = createServer((request, response) => {
      const path = request.url ?? '';
      open.set(path, (open.get(path) ?? 0) + 1);
      most.set(path, Math.max(most.get(path) ?? 0, open.get(path) ?? 0));
      request.resume();
      request.on('end', () => {
        setTimeout(() => {
          open.set(path, (open.get(path) ?? 0) - 1);
          received.push(`${path} ${String(request.headers['webhook-id'])}`);
          response.end('ok');
        }, 40);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const deps = {
      store,
      clock: systemClock,
      ids: uuidV7(),
      notifications: {
        channels: channels({}),
        rules: [],
        disableAfterFailures: 0,
        secretOverlapSeconds: 0,
      },
    } as unknown as AppDeps; // The notification handlers read only these.
    const useCases = bindUseCases(deps);
    await useCases.createWebhook(admin, { url: `${base}/a` });
    await useCases.createWebhook(admin, { url: `${base}/b` });
    const events = 10;
    await store.transaction(async (tx) => {
      for (let n = 0; n < events; n++) {
        await emit(tx, deps, {
          type: 'gate.failed',
          subject: { model: 'm', version: String(n) },
          data: {
            model: 'm',
            version: String(n),
            from: 'staging',
            to: 'production',
            decisionId: `dec_${n}`,
            failed: [{ gateId: 'auc', outcome: 'fail', explanation: 'AUC below the bound.' }],
          },
        });
      }
    });
    const runner = createJobRunner({
      store,
      clock: systemClock,
      pollMs: 60_000,
      concurrency: 8,
      handlers: notificationJobHandlers(deps, { perTargetConcurrency: 2 }),
    });
    await runner.start();
    try {
      const deadline = Date.now() + 30_000;
      while (received.length < 2 * events && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(received).toHaveLength(2 * events);
      expect(new Set(received).size).toBe(2 * events);
      expect(most.get('/a')).toBe(2);
      expect(most.get('/b')).toBe(2);
    } finally {
      await runner.stop();
      server.closeAllConnections();
      server.close();
    }
  });
});
