/**
 * Two servers' group commits on one PostgreSQL database (ADR 012). A batch keeps the audit_head
 * lock of its first work while its next work waits for a model row another server's transaction
 * holds, and that transaction then waits for audit_head: a deadlock that single transactions,
 * which lock audit_head last, never form. PostgreSQL breaks it by failing one side; the failed
 * work is run again alone, so every write still succeeds exactly once. (SQLite has no row locks:
 * a second store in the same process queues behind the first's write lock.)
 */
import { expect, it } from 'vitest';
import type { Repositories, Store } from '../../src/app/shared/ports.js';
import { eachEngine } from './engines.js';
import { auditInput, model as modelOf, policy } from './fixtures.js';

function signal(): { promise: Promise<void>; fire(): void } {
  let fire: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { promise, fire };
}

eachEngine('group commit across servers', (engine) => {
  const postgresOnly = engine.name === 'postgres' ? it : it.skip;

  postgresOnly(
    'runs a work alone again when its batch and another server deadlock, so every write lands once',
    async () => {
      const first: Store = await engine.openStore();
      const second: Store = await engine.openStore();
      const p = policy();
      const [a, b] = [modelOf(p.digest), modelOf(p.digest)];
      await first.transaction(async (tx) => {
        await tx.policies.insert(p);
        await tx.models.insert(a);
        await tx.models.insert(b);
      });
      const sizeBefore = await first.read((tx) => tx.audit.size());
      const secondHoldsB = signal();
      const firstHoldsHead = signal();
      const attempts = { b: 0, second: 0 };
      const lockAndAppend = (tx: Repositories, name: string) =>
        tx.models
          .get(name, { forUpdate: true })
          .then(() => tx.audit.append(auditInput(`model:${name}`, 'bench.grouped')));

      // The second server locks model B, then (once the first's batch holds audit_head) appends.
      const onSecond = second.transaction(async (tx) => {
        attempts.second++;
        await tx.models.get(b.name, { forUpdate: true });
        secondHoldsB.fire();
        // Fired once A appended; a second attempt (after losing the deadlock) needs no wait.
        await firstHoldsHead.promise;
        await tx.audit.append(auditInput(`model:${b.name}`, 'bench.second'));
        return 'second';
      });
      await secondHoldsB.promise;
      // One batch on the first server: A (appends, so holds audit_head), then B (waits).
      const onFirst = [
        first.transaction(async (tx) => {
          await lockAndAppend(tx, a.name);
          firstHoldsHead.fire();
          return 'a';
        }),
        first.transaction(async (tx) => {
          attempts.b++;
          await lockAndAppend(tx, b.name);
          return 'b';
        }),
      ];
      const settled = await Promise.allSettled([onSecond, ...onFirst]);

      expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : s.reason))).toEqual([
        'second',
        'a',
        'b',
      ]);
      // One side lost the deadlock (PostgreSQL picks which) and ran once more, alone.
      expect(attempts.b + attempts.second).toBe(3);
      const actions = await first.read(async (tx) => {
        const out: string[] = [];
        for await (const logged of tx.audit.entries(sizeBefore, await tx.audit.size()))
          out.push(`${logged.entry.action} ${logged.entry.subject.id}`);
        return out.sort();
      });
      expect(actions).toEqual(
        [
          `bench.grouped model:${a.name}`,
          `bench.grouped model:${b.name}`,
          `bench.second model:${b.name}`,
        ].sort(),
      );
    },
    30_000,
  );
});
