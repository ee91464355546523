import type { Principal } from '../../domain/index.js';
import { overdueReviews } from '../reviews/overdue-reviews.js';
import type { AppDeps } from '../shared/app-deps.js';
import { guardedRead } from '../shared/read-access.js';

/** What Prometheus scrapes about the registry itself (http/metrics.ts turns it into gauges). */
export interface RegistryMetrics {
  models: number;
  auditEntries: number;
  /** The latest signed checkpoint, if any: its size and when it was signed. */
  latestCheckpoint?: { size: number; createdAt: string };
  /** Pending transition requests, by target state and change type. */
  pendingRequests: { to: string; changeType: string; count: number }[];
  /** Emergency changes whose post-incident review is past due. */
  overdueReviews: number;
}

/**
 * A snapshot of the registry for monitoring, in one read transaction (plus the overdue-review
 * scan): for anyone holding a role, like the other registry-wide reads; refusals are audited.
 */
export async function registryMetrics(
  deps: AppDeps,
  principal: Principal,
): Promise<RegistryMetrics> {
  const read = {
    principal,
    action: 'metrics.read',
    subject: { type: 'registry', id: 'metrics' },
    what: 'the registry metrics',
  };
  return guardedRead(deps, read, async () => {
    const snapshot = await deps.store.read(async (tx) => {
      const pending = new Map<string, { to: string; changeType: string; count: number }>();
      for (const r of await tx.requests.list({ status: ['pending'] })) {
        const key = `${r.to}\u0000${r.changeType}`;
        const entry = pending.get(key) ?? { to: r.to, changeType: r.changeType, count: 0 };
        entry.count += 1;
        pending.set(key, entry);
      }
      const latest = await tx.checkpoints.latest();
      return {
        models: (await tx.models.list()).length,
        auditEntries: await tx.audit.size(),
        ...(latest ? { latestCheckpoint: { size: latest.size, createdAt: latest.createdAt } } : {}),
        pendingRequests: [...pending.values()],
      };
    });
    return { ...snapshot, overdueReviews: (await overdueReviews(deps)).length };
  });
}
