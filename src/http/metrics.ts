/**
 * Prometheus metrics (`GET /metrics`, text exposition format): the process (CPU, memory, event
 * loop, GC, from prom-client's defaults), every HTTP request by route template and status, and a
 * snapshot of the registry taken at scrape time (audit log and checkpoint lag, pending requests,
 * overdue post-incident reviews). Each server has its own registry, so several servers in one
 * process (tests) do not share counters.
 */
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { GateRunStats, RegistryMetrics, WritePathStats } from '../app/index.js';

/** The latest check of the database against the audit log (`audit verify --state`). */
export interface StateCheckStatus {
  checkedAt: string;
  disagreements: readonly unknown[];
}

/** This server's job runner (`compose.ts`), read when scraped. */
export interface JobRunnerStats {
  /** Jobs this server claimed since it started, by kind and how the attempt ended. */
  ended: readonly { kind: string; result: string; count: number }[];
  /** How late (seconds past its run time) the latest job this server claimed started; 0 before one. */
  lastStartLagSeconds: number;
  /** Notification delivery attempts this server made, by channel and outcome. */
  deliveries?: readonly { channel: string; outcome: string; count: number }[];
  /** From an event's creation to the end of the latest attempt this server made to deliver it. */
  lastDeliveryLagSeconds?: number;
}

export interface HttpMetrics {
  registry: Registry;
  /** Sets the registry gauges from a snapshot, then renders everything. */
  render(snapshot: RegistryMetrics, now: Date, stateCheck?: StateCheckStatus): Promise<string>;
}

/** What the server reads at scrape time besides the registry snapshot (`compose.ts` wires them). */
export interface MetricSources {
  gateRuns?: (() => GateRunStats) | undefined;
  jobs?: (() => JobRunnerStats) | undefined;
  writes?: (() => WritePathStats) | undefined;
}

export function registerMetrics(app: FastifyInstance, sources: MetricSources = {}): HttpMetrics {
  const { gateRuns, jobs, writes } = sources;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'clearance_' });
  const requests = new Counter({
    name: 'clearance_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status code.',
    labelNames: ['method', 'route', 'status_code'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'clearance_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route template.',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route template, never the raw URL: ids in paths would explode the label set.
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status_code: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const gauges = {
    models: gauge('clearance_models', 'Models in the registry.'),
    audit: gauge('clearance_audit_log_entries', 'Entries in the audit log.'),
    checkpointed: gauge(
      'clearance_audit_checkpoint_entries',
      'Entries covered by the latest signed checkpoint.',
    ),
    unsigned: gauge(
      'clearance_audit_entries_not_checkpointed',
      'Entries appended since the latest signed checkpoint (alert when it keeps growing).',
    ),
    age: gauge(
      'clearance_audit_checkpoint_age_seconds',
      'Seconds since the latest checkpoint was signed (0 before the first: alert on clearance_audit_entries_not_checkpointed too).',
    ),
    pending: gauge(
      'clearance_pending_requests',
      'Pending transition requests, by target state and change type.',
      ['to', 'change_type'],
    ),
    overdue: gauge(
      'clearance_overdue_reviews',
      'Emergency changes whose post-incident review is past due.',
    ),
    disagreeing: gauge(
      'clearance_state_disagreements',
      'Database rows that disagree with the audit log at the latest state check (alert when above 0); 0 until the first check completes.',
    ),
    stateCheckedAt: gauge(
      'clearance_state_check_timestamp_seconds',
      'Unix time of the latest completed check of the database against the audit log (alert when stale); 0 until the first check completes.',
    ),
  };
  if (gateRuns) registerGateRunMetrics(registry, gateRuns);
  if (jobs) registerJobMetrics(registry, jobs);
  if (writes) registerWritePathMetrics(registry, writes);
  registerEventLoopMetrics(registry);
  return {
    registry,
    async render(snapshot, now, stateCheck) {
      gauges.models.set(snapshot.models);
      gauges.audit.set(snapshot.auditEntries);
      const checkpointed = snapshot.latestCheckpoint?.size ?? 0;
      gauges.checkpointed.set(checkpointed);
      gauges.unsigned.set(snapshot.auditEntries - checkpointed);
      gauges.age.set(0);
      if (snapshot.latestCheckpoint) {
        const signedAt = Date.parse(snapshot.latestCheckpoint.createdAt);
        gauges.age.set((now.getTime() - signedAt) / 1000);
      }
      gauges.pending.reset();
      for (const p of snapshot.pendingRequests) {
        gauges.pending.set({ to: p.to, change_type: p.changeType }, p.count);
      }
      gauges.overdue.set(snapshot.overdueReviews);
      gauges.disagreeing.reset();
      gauges.stateCheckedAt.reset();
      if (stateCheck) {
        gauges.disagreeing.set(stateCheck.disagreements.length);
        gauges.stateCheckedAt.set(Date.parse(stateCheck.checkedAt) / 1000);
      }
      return registry.metrics();
    },
  };
}

/**
 * The gate workers, read when scraped: how busy they are, how runs ended (budgets), and how callers
 * fared at the bounded queues (refused `busy`, merged into an identical run; ADR 035).
 */
function registerGateRunMetrics(registry: Registry, stats: () => GateRunStats): void {
  new Gauge({
    name: 'clearance_gate_runs_running',
    help: 'Gate runs executing in a worker thread now.',
    registers: [registry],
    collect() {
      this.set(stats().running);
    },
  });
  new Gauge({
    name: 'clearance_gate_runs_queued',
    help: 'Gate runs waiting for a worker thread, by priority: governed (requests, executions, emergency expiry) or advisory (replay, backtest, dry run).',
    labelNames: ['priority'],
    registers: [registry],
    collect() {
      for (const [priority, count] of Object.entries(stats().queuedByPriority))
        this.set({ priority }, count);
    },
  });
  new Counter({
    name: 'clearance_gate_runs_refused_total',
    help: 'Gate runs refused busy (503) since the server started because their queue was full, by priority: the queue bound (gateGovernedQueuePerWorker, gateAdvisoryQueuePerWorker) was reached.',
    labelNames: ['priority'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [priority, count] of Object.entries(stats().refused))
        this.inc({ priority }, count);
    },
  });
  new Counter({
    name: 'clearance_gate_runs_merged_total',
    help: 'Gate runs since the server started that joined an identical run already waiting or under way instead of being queued, by the priority of the caller that joined (not counted again in clearance_gate_runs_total).',
    labelNames: ['priority'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [priority, count] of Object.entries(stats().merged)) this.inc({ priority }, count);
    },
  });
  new Counter({
    name: 'clearance_gate_runs_total',
    help: 'Gate runs since the server started, by how they ended: completed, over_time_budget, over_memory_budget, worker_failed, worker_not_started, cancelled.',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [result, count] of Object.entries(stats().ended)) this.inc({ result }, count);
    },
  });
}

/** The job runner of this server: attempts by kind and result, and how late the latest started. */
function registerJobMetrics(registry: Registry, stats: () => JobRunnerStats): void {
  new Counter({
    name: 'clearance_jobs_total',
    help: 'Job attempts this server claimed since it started, by kind and result: succeeded, retrying, failed (given up), lost (lease taken over), released (server stopping).',
    labelNames: ['kind', 'result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { kind, result, count } of stats().ended) this.inc({ kind, result }, count);
    },
  });
  new Counter({
    name: 'clearance_notification_deliveries_total',
    help: 'Notification delivery attempts this server made, by channel (webhook, slack, email) and outcome: delivered, retrying (failed, tried again later), failed (given up).',
    labelNames: ['channel', 'outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { channel, outcome, count } of stats().deliveries ?? [])
        this.inc({ channel, outcome }, count);
    },
  });
  new Gauge({
    name: 'clearance_notification_delivery_lag_seconds',
    help: 'From an event’s creation to the end of the latest delivery attempt this server made for it (0 before one).',
    registers: [registry],
    collect() {
      this.set(stats().lastDeliveryLagSeconds ?? 0);
    },
  });
  new Gauge({
    name: 'clearance_job_start_lag_seconds',
    help: 'How long after its run time the latest job this server claimed started (alert when it grows: the runners are behind or down).',
    registers: [registry],
    collect() {
      this.set(stats().lastStartLagSeconds);
    },
  });
}

/**
 * The write path (group commit, ADR 050): writes by outcome, the transactions they ran in (their
 * ratio is the batch size), the time a write transaction was running (a rate near 1: saturated,
 * writes queue) and the time writes waited for theirs.
 */
function registerWritePathMetrics(registry: Registry, stats: () => WritePathStats): void {
  new Counter({
    name: 'clearance_store_writes_total',
    help: 'Write transactions asked of the store by this server since it started, by outcome: committed, failed (their own error or their batch’s), wait_exceeded (waited past the limit, not run).',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      this.reset();
      const now = stats();
      this.inc({ outcome: 'committed' }, now.committed);
      this.inc({ outcome: 'failed' }, now.failed);
      this.inc({ outcome: 'wait_exceeded' }, now.waitExceeded);
    },
  });
  const counter = (name: string, help: string, read: (s: WritePathStats) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read(stats()));
      },
    });
  counter(
    'clearance_store_write_transactions_total',
    'Database transactions the writes ran in (group commit): writes per transaction is the batch size.',
    (s) => s.transactions,
  );
  counter(
    'clearance_store_write_busy_seconds_total',
    'Seconds a write transaction of this server was running (one at a time): a rate near 1 means the write path is saturated and writes queue.',
    (s) => s.busySeconds,
  );
  counter(
    'clearance_store_writes_run_again_total',
    'Writes run side by side in one transaction (PostgreSQL, writes naming different models) that ran again, one after another, because one beside them did not end whole.',
    (s) => s.runAgain,
  );
  counter(
    'clearance_store_write_wait_seconds_total',
    'Seconds writes waited for their transaction to start, summed over writes: divided by the writes, the mean wait.',
    (s) => s.waitSeconds,
  );
}

/**
 * The main thread's busy time (`performance.eventLoopUtilization`): a rate near 1 means the event
 * loop, which runs every request and, on SQLite, every statement, is saturated.
 */
function registerEventLoopMetrics(registry: Registry): void {
  new Counter({
    name: 'clearance_event_loop_active_seconds_total',
    help: 'Seconds the main thread’s event loop was busy since the server started: a rate near 1 means the process is bound by its main thread.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(performance.eventLoopUtilization().active / 1000);
    },
  });
}
