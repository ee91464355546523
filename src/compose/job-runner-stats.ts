import type { DeliveryReport } from '../app/index.js';
import type { JobRunnerStats } from '../http/index.js';
import type { RunnerEvent } from '../jobs/index.js';

/** Counts the runner's events for `/metrics`. */
export function jobRunnerStats(leaseMs: number): {
  record(event: RunnerEvent): void;
  recordDelivery(report: DeliveryReport): void;
  read(): JobRunnerStats;
} {
  const counts = new Map<string, { kind: string; result: string; count: number }>();
  const deliveries = new Map<string, { channel: string; outcome: string; count: number }>();
  let lastDeliveryLagSeconds = 0;
  let lastStartLagSeconds = 0;
  let lastClaimedAt = '';
  return {
    record(event) {
      const { job } = event;
      const name = `${job.kind}\u0000${event.type}`;
      const entry = counts.get(name) ?? { kind: job.kind, result: event.type, count: 0 };
      entry.count += 1;
      counts.set(name, entry);
      // The claim set the lease to claim time + leaseMs.
      const claimedAt = Date.parse(job.lockedUntil) - leaseMs;
      if (new Date(claimedAt).toISOString() >= lastClaimedAt) {
        lastClaimedAt = new Date(claimedAt).toISOString();
        lastStartLagSeconds = Math.max(0, (claimedAt - Date.parse(job.runAt)) / 1000);
      }
    },
    recordDelivery(report) {
      const name = `${report.channel}\u0000${report.outcome}`;
      const entry = deliveries.get(name) ?? {
        channel: report.channel,
        outcome: report.outcome,
        count: 0,
      };
      entry.count += 1;
      deliveries.set(name, entry);
      lastDeliveryLagSeconds = Math.max(0, report.lagMs / 1000);
    },
    read: () => ({
      ended: [...counts.values()],
      lastStartLagSeconds,
      deliveries: [...deliveries.values()],
      lastDeliveryLagSeconds,
    }),
  };
}
