import { randomUUID } from 'node:crypto';
import { type Insertable, type Selectable, sql } from 'kysely';
import type {
  ClaimedJob,
  Job,
  JobClaim,
  JobOutcome,
  JobRepository,
  JobSpec,
} from '../../app/shared/work-queue-ports.js';
import { fromJson, int, iso, opt, optIso, type RepositoryContext, toJson } from '../columns.js';
import { preparedQuery } from '../prepared-query.js';
import type { JobsTable } from '../schema.js';

const defaultMaxAttempts = 10;

// Every outbox event schedules its dispatch with this insert: compiled once, and on PostgreSQL
// parsed once per connection (ADR 033). DO NOTHING rather than a caught unique violation: on
// PostgreSQL a failed statement aborts the caller's transaction, and a concurrent scheduler of
// the same key is no error. RETURNING tells an insert from a clash in the same statement.
const insertJobUnlessKeyed = preparedQuery((db, p: Insertable<JobsTable>) =>
  db
    .insertInto('jobs')
    .values(p)
    .onConflict((oc) => oc.column('key').where('done_at', 'is', null).doNothing())
    .returning('id'),
);

/** The row `spec` inserts as job `id`, scheduled at `at`. */
export function jobRow(id: string, spec: JobSpec, at: string): Insertable<JobsTable> {
  return {
    id,
    kind: spec.kind,
    key: spec.key,
    payload: toJson(spec.payload ?? null),
    run_at: spec.runAt,
    scheduled_at: spec.runAt,
    every_ms: spec.everyMs ?? null,
    max_attempts: spec.maxAttempts ?? defaultMaxAttempts,
    created_at: at,
  };
}

/** Tells the store that a job will be due at once when this transaction commits. */
export function markJobDue(context: RepositoryContext, runAt: string, at: string): void {
  if (context.effects !== undefined && runAt <= at) context.effects.jobsDue = true;
}

/**
 * Jobs under a lease. A claim commits the lease in its own short transaction; the worker then
 * runs the job outside any transaction and finishes it with `complete`/`fail`, each of which
 * checks the claim (worker and attempt) still holds — a worker whose lease expired and was taken
 * over changes nothing.
 */
export function jobRepository(context: RepositoryContext): JobRepository {
  const { db, dialect } = context;
  const markDue = (runAt: string, at: string) => markJobDue(context, runAt, at);
  const unfinished = (key: string) =>
    db.selectFrom('jobs').selectAll().where('key', '=', key).where('done_at', 'is', null);
  const held = (claim: JobClaim) =>
    db
      .updateTable('jobs')
      .where('id', '=', claim.id)
      .where('locked_by', '=', claim.workerId)
      .where('attempts', '=', claim.attempt)
      .where('done_at', 'is', null);

  /** Ends the current occurrence: a one-off job is done, a recurring one moves on a period. */
  async function finish(claim: JobClaim, at: string, outcome: JobOutcome, error: string | null) {
    const row = await db
      .selectFrom('jobs')
      .select(['scheduled_at', 'every_ms'])
      .where('id', '=', claim.id)
      .executeTakeFirst();
    if (row === undefined) return false;
    const released = { locked_by: null, locked_until: null, last_error: error };
    const everyMs = row.every_ms === null ? undefined : int(row.every_ms);
    const result = await held(claim)
      .set(
        everyMs === undefined
          ? { ...released, outcome, done_at: at }
          : (() => {
              const next = nextPeriod(iso(row.scheduled_at), everyMs, at);
              return { ...released, run_at: next, scheduled_at: next, attempts: 0, outcome };
            })(),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Inserts the job unless the key has an unfinished one; whether it did. */
  async function insertNew(id: string, spec: JobSpec, at: string): Promise<boolean> {
    const inserted = await insertJobUnlessKeyed(db, jobRow(id, spec, at));
    if (inserted.length !== 1) return false;
    markDue(spec.runAt, at);
    return true;
  }

  return {
    async schedule(spec: JobSpec, options) {
      // Inserted first: almost every job scheduled on a hot path has a key of its own (an outbox
      // event's dispatch), so the key's unfinished job is looked for only when the insert found
      // one (a statement fewer per event).
      const id = randomUUID();
      if (await insertNew(id, spec, options.at)) return { id, outcome: 'scheduled' };
      const existing = await dialect.lockForUpdate(unfinished(spec.key)).executeTakeFirst();
      if (existing === undefined) {
        // The job that held the key finished in between (another server's worker): schedule
        // anew, or keep the one a concurrent scheduler inserted meanwhile.
        if (await insertNew(id, spec, options.at)) return { id, outcome: 'scheduled' };
        const winner = await unfinished(spec.key).executeTakeFirstOrThrow();
        return { id: winner.id, outcome: 'kept' };
      }
      const everyMs = existing.every_ms === null ? undefined : int(existing.every_ms);
      if (spec.everyMs !== undefined && everyMs !== undefined && spec.everyMs !== everyMs) {
        // A recurring job's period changed in the configuration: from its next occurrence on.
        await db
          .updateTable('jobs')
          .set({ every_ms: spec.everyMs })
          .where('id', '=', existing.id)
          .execute();
        return { id: existing.id, outcome: 'replaced' };
      }
      if (options.onExisting !== 'replace' || isLeased(existing, options.at)) {
        return { id: existing.id, outcome: 'kept' };
      }
      await db
        .updateTable('jobs')
        .set({
          run_at: spec.runAt,
          scheduled_at: spec.runAt,
          payload: toJson(spec.payload ?? null),
        })
        .where('id', '=', existing.id)
        .execute();
      markDue(spec.runAt, options.at);
      return { id: existing.id, outcome: 'replaced' };
    },

    async claim(input) {
      if (input.kinds.length === 0 || input.limit < 1) return [];
      const due = await dialect
        .claimForUpdateSkipLocked(
          db
            .selectFrom('jobs')
            .select('id')
            .where('done_at', 'is', null)
            .where('run_at', '<=', input.at)
            .where((eb) =>
              eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', input.at)]),
            )
            .where('kind', 'in', input.kinds)
            .orderBy('run_at')
            .orderBy('id')
            .limit(input.limit),
        )
        .execute();
      if (due.length === 0) return [];
      const lockedUntil = new Date(Date.parse(input.at) + input.leaseMs).toISOString();
      const rows = await db
        .updateTable('jobs')
        .set({
          locked_by: input.workerId,
          locked_until: lockedUntil,
          attempts: sql`attempts + 1`,
        })
        .where(
          'id',
          'in',
          due.map((row) => row.id),
        )
        .returningAll()
        .execute();
      return rows
        .map((row) => toClaimed(row))
        .sort((a, b) => a.runAt.localeCompare(b.runAt) || a.id.localeCompare(b.id));
    },

    async renew(claim, input) {
      const lockedUntil = new Date(Date.parse(input.at) + input.leaseMs).toISOString();
      const result = await held(claim).set({ locked_until: lockedUntil }).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    complete: (claim, at) => finish(claim, at, 'succeeded', null),

    async fail(claim, input) {
      const row = await db
        .selectFrom('jobs')
        .select(['attempts', 'max_attempts', 'scheduled_at', 'every_ms'])
        .where('id', '=', claim.id)
        .executeTakeFirst();
      if (row === undefined) return 'lost';
      const everyMs = row.every_ms === null ? undefined : int(row.every_ms);
      const exhausted = int(row.attempts) >= row.max_attempts;
      // A recurring job retries within its period only; past it, the next period takes over.
      const pastPeriod =
        everyMs !== undefined &&
        input.retryAt >= nextPeriod(iso(row.scheduled_at), everyMs, input.at);
      if (exhausted || pastPeriod) {
        return (await finish(claim, input.at, 'failed', input.error)) ? 'failed' : 'lost';
      }
      const result = await held(claim)
        .set({
          locked_by: null,
          locked_until: null,
          last_error: input.error,
          run_at: input.retryAt,
        })
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1 ? 'retrying' : 'lost';
    },

    async release(claim, at) {
      const result = await held(claim)
        .set({ locked_by: null, locked_until: null, run_at: at, attempts: sql`attempts - 1` })
        .executeTakeFirst();
      const released = Number(result.numUpdatedRows) === 1;
      if (released) markDue(at, at);
      return released;
    },

    async cancel(key, at) {
      const result = await db
        .updateTable('jobs')
        .set({ done_at: at, outcome: 'cancelled', locked_by: null, locked_until: null })
        .where('key', '=', key)
        .where('done_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async find(key) {
      const row = await db
        .selectFrom('jobs')
        .selectAll()
        .where('key', '=', key)
        // Unfinished first (NULL done_at), then the latest finished.
        .orderBy(sql`case when done_at is null then 0 else 1 end`)
        .orderBy('done_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row === undefined ? undefined : toJob(row);
    },

    async purgeFinishedBefore(at, limit) {
      const result = await db
        .deleteFrom('jobs')
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('jobs')
            .select('id')
            .where('done_at', 'is not', null)
            .where('done_at', '<', at)
            .orderBy('done_at')
            .limit(limit),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

/** The first `scheduledAt + k × everyMs` (k ≥ 1) after `at`: missed periods are skipped. */
function nextPeriod(scheduledAt: string, everyMs: number, at: string): string {
  const start = Date.parse(scheduledAt);
  const periods = Math.max(1, Math.floor((Date.parse(at) - start) / everyMs) + 1);
  return new Date(start + periods * everyMs).toISOString();
}

function isLeased(row: Selectable<JobsTable>, at: string): boolean {
  return row.locked_until !== null && iso(row.locked_until) > at;
}

function toJob(row: Selectable<JobsTable>): Job {
  return {
    id: row.id,
    kind: row.kind,
    key: row.key,
    payload: fromJson<unknown>(row.payload),
    runAt: iso(row.run_at),
    scheduledAt: iso(row.scheduled_at),
    ...opt('everyMs', row.every_ms === null ? null : int(row.every_ms)),
    attempts: int(row.attempts),
    maxAttempts: row.max_attempts,
    ...opt('lockedBy', row.locked_by),
    ...optIso('lockedUntil', row.locked_until),
    ...opt('lastError', row.last_error),
    ...optIso('doneAt', row.done_at),
    ...opt('outcome', row.outcome as JobOutcome | null),
    createdAt: iso(row.created_at),
  };
}

function toClaimed(row: Selectable<JobsTable>): ClaimedJob {
  const job = toJob(row);
  const lockedBy = job.lockedBy ?? '';
  return {
    ...job,
    lockedBy,
    lockedUntil: job.lockedUntil ?? '',
    claim: { id: job.id, workerId: lockedBy, attempt: job.attempts },
  };
}
