/**
 * Canary rollouts end to end through the use cases, on simulated time (the injected clock): the
 * recommender worked example's canary (10% for 48 h; CTR −1% vs control for 2 h; errors ≥ 0.5%
 * for 15 min) started by its promotion, fed KPI batches, evaluated on ingestion and by the sweep.
 */
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import {
  attachEvidence,
  checkStoredState,
  controlRollout,
  evaluateRollouts,
  getRollout,
  ingestObservations,
  type ObservationInput,
  rollback,
} from '../../src/app/index.js';
import type { ClearanceError } from '../../src/domain/index.js';
import { parseNotificationEvent } from '../../src/domain/notification-events.js';
import { forEachStore, people, readAudit, refusal, type StoreHarness } from './harness.js';
import {
  driftBaselineBytes,
  hour,
  minute,
  model,
  slices,
  startRecommenderCanary,
  type Traffic,
} from './rollout-fixture.js';
import { outboxEvents } from './store-contents.js';

const serving = (h: StoreHarness) => h.store.read((tx) => tx.serving.get(model));

/** Posts one batch measured over [from, to) and received at `to` (the clock moves there). */
async function post(
  h: StoreHarness,
  rolloutId: string,
  span: { from: number; to: number; batchId?: string },
  traffic: (at: number) => Traffic = () => ({}),
) {
  h.clock.set(new Date(span.to));
  return ingestObservations(h.deps, people.mlops, {
    rolloutId,
    batchId: span.batchId ?? `b-${span.from}`,
    points: slices(span.from, span.to, traffic),
  });
}

/**
 * 5-minute batches (each received as its slice ends, within the 5-minute lateness allowance) from
 * `fromHour` to `toHour` after the start, measured with `traffic(hour index)`; stops when the
 * rollout ends.
 */
async function postHours(
  h: StoreHarness,
  rollout: { rolloutId: string; startedAt: number },
  hours: [number, number],
  traffic: (hourIndex: number) => Traffic = () => ({}),
) {
  const { rolloutId, startedAt } = rollout;
  let last = await getRollout(h.deps, people.mlops, { rolloutId });
  const end = startedAt + hours[1] * hour;
  for (let from = startedAt + hours[0] * hour; from < end; from += 5 * minute) {
    if (!['running', 'paused'].includes(last.status)) break;
    const k = Math.floor((from - startedAt) / hour);
    last = (await post(h, rolloutId, { from, to: from + 5 * minute }, () => traffic(k))).rollout;
  }
  return last;
}

async function eventTypes(h: StoreHarness) {
  return (await outboxEvents(h.store)).map((e) => e.type);
}

forEachStore('canary rollouts', (open) => {
  it('a promotion with a canary keeps production and serves the candidate at its share', async () => {
    const h = await open();
    const { rolloutId, requestId } = await startRecommenderCanary(h);
    expect(await serving(h)).toMatchObject({
      production: { version: 'b1' },
      canary: { version: 'c1', traffic: 10 },
    });
    const view = await getRollout(h.deps, people.product, { rolloutId });
    expect(view).toMatchObject({
      model,
      version: 'c1',
      controlVersion: 'b1',
      requestId,
      status: 'running',
      traffic: 10,
    });
    const started = (await readAudit(h)).find((e) => e.action === 'rollout.started');
    expect(started?.subject).toEqual({ type: 'rollout', id: rolloutId });
    expect(await eventTypes(h)).toContain('rollout.started');
    const version = await h.store.read((tx) => tx.versions.get(model, 'c1'));
    expect(version?.state).toBe('staging');
  });

  it('rolls back when CTR drops 1.2% for two hourly windows, recording trigger, window and statistic', async () => {
    const h = await open();
    const rollout = await startRecommenderCanary(h);
    const drop = (k: number) => ({ ctrDrop: k === 3 || k === 4 ? 0.012 : 0 });
    const last = await postHours(h, rollout, [0, 10], drop);
    expect(last.status).toBe('rolled_back');
    expect(last.traffic).toBe(0);
    // Serving changed with the batch that decided the second window: b1 alone, no canary.
    const now = await serving(h);
    expect(now.production?.version).toBe('b1');
    expect(now.canary).toBeUndefined();
    const audit = await readAudit(h);
    const rolledBack = audit.find((e) => e.action === 'rollout.rolled_back');
    expect(rolledBack?.data).toMatchObject({
      trigger: 'ctr',
      cause: 'fail',
      window: { index: 4, start: rollout.startedAt + 4 * hour, end: rollout.startedAt + 5 * hour },
      restored: 'b1',
    });
    expect(String(rolledBack?.data.statistic)).toContain('relative');
    const observed = rolledBack?.data.observed as { interval: [number, number] };
    expect(observed.interval[1]).toBeLessThan(-0.01);
    const windows = audit.filter(
      (e) => e.action === 'rollout.window_decided' && e.data.metric === 'ctr',
    );
    expect(windows.map((w) => w.data.verdict)).toEqual(['pass', 'pass', 'pass', 'fail', 'fail']);
    const events = (await outboxEvents(h.store)).filter((e) => e.type === 'rollout.rolled_back');
    expect(events).toHaveLength(1);
    const parsed = parseNotificationEvent(events[0]?.payload);
    expect(parsed.ok && parsed.event.data).toMatchObject({ trigger: 'ctr', restoredVersion: 'b1' });
    // The candidate is not promoted and nothing re-opens: c1 stays in staging, the request executed.
    const version = await h.store.read((tx) => tx.versions.get(model, 'c1'));
    expect(version?.state).toBe('staging');
    // The tables are what the audit log says they must be.
    expect(await checkStoredState(h.deps)).toMatchObject({ disagreements: [], problems: [] });
  });

  it('does not roll back on one hourly window of the same drop', async () => {
    const h = await open();
    const rollout = await startRecommenderCanary(h);
    const last = await postHours(h, rollout, [0, 8], (k) => ({ ctrDrop: k === 3 ? 0.012 : 0 }));
    expect(last.status).toBe('running');
    expect((await serving(h)).canary).toMatchObject({ version: 'c1', traffic: 10 });
  });

  it('pauses on a window with too few samples and notifies; an approver resumes it', async () => {
    const h = await open();
    const rollout = await startRecommenderCanary(h);
    // 10 000 impressions an hour: under the trigger's minSamples of 20 000.
    const last = await postHours(h, rollout, [0, 2], () => ({ impressions: 10_000 }));
    expect(last).toMatchObject({ status: 'paused', pausedBy: 'inconclusive', traffic: 10 });
    expect(await eventTypes(h)).toContain('rollout.paused');
    // Serving keeps the canary at its share while a person decides.
    expect((await serving(h)).canary?.traffic).toBe(10);
    const denied = await refusal(
      controlRollout(h.deps, people.mlops, { rolloutId: rollout.rolloutId, action: 'resume' }),
    );
    expect(denied.code).toBe('forbidden');
    const resumed = await controlRollout(h.deps, people.product, {
      rolloutId: rollout.rolloutId,
      action: 'resume',
    });
    expect(resumed.status).toBe('running');
    const actions = (await readAudit(h)).map((e) => e.action);
    expect(actions).toContain('rollout.paused');
    expect(actions).toContain('rollout.resumed');
    expect(actions).toContain('access.denied');
  });

  it('fires the error-rate trigger after 15 minutes above 0.5%, not after 14', async () => {
    const h = await open();
    const { rolloutId, startedAt } = await startRecommenderCanary(h);
    const bad = 2 * hour;
    const traffic = (at: number) => ({
      errorRate: at >= bad && at < bad + 14 * minute ? 0.0055 : 0.001,
    });
    // 14 minutes of errors (in minute slices) from 2 h on: two full windows and most of a third.
    for (let at = startedAt; at < startedAt + bad + 30 * minute; at += minute) {
      h.clock.set(new Date(at + minute));
      await ingestObservations(h.deps, people.mlops, {
        rolloutId,
        batchId: `m-${at}`,
        points: minuteSlice(at, traffic(at - startedAt)),
      });
    }
    expect((await getRollout(h.deps, people.mlops, { rolloutId })).status).toBe('running');

    const h2 = await open();
    const second = await startRecommenderCanary(h2);
    const traffic15 = (at: number) => ({
      errorRate: at >= bad && at < bad + 15 * minute ? 0.0055 : 0.001,
    });
    let status = 'running';
    let changedAt = 0;
    for (
      let at = second.startedAt;
      at < second.startedAt + bad + 30 * minute && status === 'running';
      at += minute
    ) {
      h2.clock.set(new Date(at + minute));
      const result = await ingestObservations(h2.deps, people.mlops, {
        rolloutId: second.rolloutId,
        batchId: `m-${at}`,
        points: minuteSlice(at, traffic15(at - second.startedAt)),
      });
      if (result.rollout.status !== status) {
        status = result.rollout.status;
        changedAt = at + minute - second.startedAt;
      }
    }
    expect(status).toBe('rolled_back');
    // Decided at the third window's end (2 h 15 min) plus the 5-minute lateness allowance.
    expect(changedAt).toBe(bad + 20 * minute);
  });

  it('completes a clean 48 h: the candidate becomes production and the old version is deprecated', async () => {
    const h = await open();
    const rollout = await startRecommenderCanary(h);
    const last = await postHours(h, rollout, [0, 48]);
    expect(last.status).toBe('running');
    // The last windows are decided 5 minutes after the end: the sweep completes it.
    h.clock.set(new Date(rollout.startedAt + 48 * hour + 5 * minute));
    const swept = await evaluateRollouts(h.deps);
    expect(swept).toEqual([{ rolloutId: rollout.rolloutId, status: 'completed' }]);
    expect(await serving(h)).toMatchObject({
      production: { version: 'c1' },
      rollbackTarget: { version: 'b1' },
    });
    expect((await serving(h)).canary).toBeUndefined();
    const b1 = await h.store.read((tx) => tx.versions.get(model, 'b1'));
    expect(b1?.state).toBe('deprecated');
    expect(await eventTypes(h)).toContain('rollout.completed');
    // A second sweep finds nothing to do.
    expect(await evaluateRollouts(h.deps)).toEqual([]);
    expect(await checkStoredState(h.deps)).toMatchObject({ disagreements: [], problems: [] });
  });

  it('rolls back on drift of the candidate scores from the baseline saved with the version', async () => {
    const h = await open();
    const rollout = await startRecommenderCanary(h, { drift: true });
    const calm = await postHours(h, rollout, [0, 3], () => ({ scoreShift: 0 }));
    expect(calm.status).toBe('running');
    const last = await postHours(h, rollout, [3, 6], () => ({ scoreShift: 1 }));
    expect(last.status).toBe('rolled_back');
    const rolledBack = (await readAudit(h)).find((e) => e.action === 'rollout.rolled_back');
    expect(rolledBack?.data).toMatchObject({ trigger: 'score_drift' });
    expect(String(rolledBack?.data.statistic)).toContain('psi');
  });

  it('judges drift against the baseline file the approvals bound, by its digest', async () => {
    const h = await open();
    const approved = driftBaselineBytes(0);
    const digest = `sha256:${createHash('sha256').update(approved).digest('hex')}`;
    const shifted = driftBaselineBytes(1);
    const rollout = await startRecommenderCanary(h, {
      drift: true,
      // After the approvals, the baseline cannot be replaced: the version's evidence is fixed.
      beforeExecute: async () => {
        const replaced = await refusal(
          attachEvidence(h.deps, people.ci, {
            model,
            version: 'c1',
            files: [{ path: 'drift_baseline.json', bytes: shifted }],
          }),
        );
        expect(replaced.code).toBe('conflict');
      },
    });
    const started = (await readAudit(h)).find((e) => e.action === 'rollout.started');
    expect(started?.data.driftBaselines).toEqual({
      score: { path: 'drift_baseline.json', digest },
    });
    // Scores drawn like the approved baseline: no drift, whatever else is stored since.
    await h.deps.blobs.put(shifted);
    const calm = await postHours(h, rollout, [0, 3], () => ({ scoreShift: 0 }));
    expect(calm.status).toBe('running');
  });

  it('refuses to start the canary when the approved baseline bytes changed in the blob store', async () => {
    const h = await open();
    const approved = driftBaselineBytes(0);
    const digest = `sha256:${createHash('sha256').update(approved).digest('hex')}`;
    const error = await refusal(
      startRecommenderCanary(h, {
        drift: true,
        beforeExecute: () => h.tamperBlob(digest, driftBaselineBytes(1)),
      }),
    );
    expect(error.code).toBe('precondition_failed');
    expect(error.message).toContain('score_drift');
    expect(await h.store.read((tx) => tx.rollouts.list({}))).toEqual([]);
    expect((await serving(h)).canary).toBeUndefined();
  });

  it('a sweep advances the other rollouts when one cannot be evaluated, and reports it', async () => {
    const h = await open();
    const a = await startRecommenderCanary(h, { model: 'feed-a' });
    const b = await startRecommenderCanary(h, {
      model: 'feed-b',
      policy: (text) => text.replace('maxCanaryTraffic: 5', 'maxCanaryTraffic: 6'),
    });
    const bPolicy = (await getRollout(h.deps, people.mlops, { rolloutId: b.rolloutId }))
      .policyDigest;
    await h.tamperPolicy(bPolicy, (text) => text.replace('traffic: 10', 'traffic: 11'));
    // The first 5-minute error-rate window of each is due, with no data: an Error window.
    h.clock.set(new Date(a.startedAt + 10 * minute + 1));
    const failed = await evaluateRollouts(h.deps).then(
      () => undefined,
      (e: unknown) => e as AggregateError,
    );
    expect(failed?.errors).toHaveLength(1);
    const decided = async (rolloutId: string) =>
      (await getRollout(h.deps, people.mlops, { rolloutId })).triggers.map((t) => t.decided);
    expect(await decided(a.rolloutId)).toEqual([0, 1]);
    expect(await decided(b.rolloutId)).toEqual([0, 0]);
  });

  it('stores a batch once per batch id; other points under the same id are a conflict', async () => {
    const h = await open();
    const { rolloutId, startedAt } = await startRecommenderCanary(h);
    const span = { from: startedAt, to: startedAt + 10 * minute, batchId: 'batch-1' };
    const first = await post(h, rolloutId, span);
    expect(first).toMatchObject({ accepted: 8, duplicate: false });
    const again = await post(h, rolloutId, span);
    expect(again).toMatchObject({ accepted: 0, duplicate: true });
    const other = await refusal(post(h, rolloutId, span, () => ({ errorRate: 0.002 })));
    expect(other.code).toBe('conflict');
    expect(await h.store.read((tx) => tx.rollouts.points(rolloutId))).toHaveLength(8);
  });

  it('refuses a bad batch whole, naming every problem, and stores nothing', async () => {
    const h = await open();
    const { rolloutId, startedAt } = await startRecommenderCanary(h);
    const at = new Date(startedAt).toISOString();
    const points: ObservationInput[] = [
      { series: 'ctr', arm: 'candidate', at, successes: 5, trials: 10 },
      { series: 'ctr', arm: 'treatment', at, successes: 5, trials: 10 },
      { series: 'ctr', arm: 'control', at, successes: 11, trials: 10 },
      { series: 'latency_ms', arm: 'control', at, values: [1, 2], counts: [1] },
      { series: 'ctr', arm: 'control', at: 'yesterday', successes: 1, trials: 2 },
    ];
    const error = await ingestObservations(h.deps, people.mlops, {
      rolloutId,
      batchId: 'bad',
      points,
    }).then(
      () => undefined,
      (e: unknown) => e as ClearanceError,
    );
    expect(error?.code).toBe('invalid_input');
    expect(error?.problems.map((p) => p.message)).toEqual([
      'points[1]: arm must be candidate or control.',
      'points[2]: successes (11) exceed trials (10).',
      'points[3]: counts must have one entry per value.',
      'points[4]: at "yesterday" is not an RFC 3339 time.',
    ]);
    expect(await h.store.read((tx) => tx.rollouts.points(rolloutId))).toEqual([]);
    const denied = await refusal(
      ingestObservations(h.deps, people.product, {
        rolloutId,
        batchId: 'x',
        points: points.slice(0, 1),
      }),
    );
    expect(denied.code).toBe('forbidden');
  });

  it('records the reason and ticket of each pause, resume and promote-now, and shows them', async () => {
    const h = await open();
    const { rolloutId } = await startRecommenderCanary(h);
    const act = (action: 'pause' | 'resume' | 'promote', reason: string, ticket?: string) =>
      controlRollout(h.deps, people.product, {
        rolloutId,
        action,
        reason,
        ...(ticket !== undefined ? { ticket } : {}),
      });
    await act('pause', 'Holiday traffic is unusual', 'CHG-1');
    await act('resume', 'Traffic back to normal');
    const done = await act('promote', 'Two days clean on the dashboards', 'CHG-2');
    expect(done.status).toBe('completed');
    const entries = (await readAudit(h)).filter((e) =>
      ['rollout.paused', 'rollout.resumed', 'rollout.completed'].includes(e.action),
    );
    expect(entries.map((e) => [e.action, e.reason, e.ticket])).toEqual([
      ['rollout.paused', 'Holiday traffic is unusual', 'CHG-1'],
      ['rollout.resumed', 'Traffic back to normal', undefined],
      ['rollout.completed', 'Two days clean on the dashboards', 'CHG-2'],
    ]);
    const shown = await getRollout(h.deps, people.mlops, { rolloutId });
    expect(shown.actions?.map(({ at: _, ...a }) => a)).toEqual([
      {
        action: 'pause',
        by: people.product.id,
        reason: 'Holiday traffic is unusual',
        ticket: 'CHG-1',
      },
      { action: 'resume', by: people.product.id, reason: 'Traffic back to normal' },
      {
        action: 'promote',
        by: people.product.id,
        reason: 'Two days clean on the dashboards',
        ticket: 'CHG-2',
      },
    ]);
  });

  it("asks for a ticket to abort or promote when the promotion's transition requires one", async () => {
    const h = await open();
    const requireTicket = (text: string) =>
      text.replace(
        '    approvals:\n      - { role: model_owner }\n      - { role: product_owner }\n    rollout:',
        '    ticket: { required: true, pattern: "^CHG-[0-9]+$" }\n    approvals:\n      - { role: model_owner }\n      - { role: product_owner }\n    rollout:',
      );
    const { rolloutId } = await startRecommenderCanary(h, {
      policy: requireTicket,
      ticket: 'CHG-9',
    });
    const abort = { rolloutId, action: 'abort' as const, reason: 'Wrong flag' };
    const missing = await refusal(controlRollout(h.deps, people.owner, abort));
    expect(missing.code).toBe('invalid_input');
    expect(missing.message).toContain('ticket');
    const malformed = await refusal(
      controlRollout(h.deps, people.owner, { ...abort, ticket: 'x' }),
    );
    expect(malformed.code).toBe('invalid_input');
    expect((await getRollout(h.deps, people.mlops, { rolloutId })).status).toBe('running');
    // Pausing stays quick: no ticket needed.
    await controlRollout(h.deps, people.owner, { rolloutId, action: 'pause' });
    const aborted = await controlRollout(h.deps, people.owner, { ...abort, ticket: 'CHG-10' });
    expect(aborted.status).toBe('aborted');
    expect(aborted.actions?.at(-1)).toMatchObject({ action: 'abort', ticket: 'CHG-10' });
  });

  it('abort takes the canary out at once; promote-now completes; neither applies twice', async () => {
    const h = await open();
    const { rolloutId } = await startRecommenderCanary(h);
    const noReason = await refusal(
      controlRollout(h.deps, people.owner, { rolloutId, action: 'abort' }),
    );
    expect(noReason.code).toBe('invalid_input');
    const aborted = await controlRollout(h.deps, people.owner, {
      rolloutId,
      action: 'abort',
      reason: 'Wrong feature flag',
    });
    expect(aborted).toMatchObject({ status: 'aborted', traffic: 0 });
    expect((await serving(h)).canary).toBeUndefined();
    expect(await checkStoredState(h.deps)).toMatchObject({ disagreements: [], problems: [] });
    const again = await refusal(
      controlRollout(h.deps, people.product, { rolloutId, action: 'promote' }),
    );
    expect(again.code).toBe('precondition_failed');
    expect((await serving(h)).production?.version).toBe('b1');
  });

  it('an experiment runs a canary capped at maxCanaryTraffic and never reaches full production', async () => {
    const h = await open();
    const { rolloutId } = await startRecommenderCanary(h, { changeType: 'experiment' });
    // The recommender's canary is 10%; its experiments may take at most 5%.
    expect((await serving(h)).canary).toMatchObject({ version: 'c1', traffic: 5 });
    const promoted = await refusal(
      controlRollout(h.deps, people.product, {
        rolloutId,
        action: 'promote',
        reason: 'Looks good',
      }),
    );
    expect(promoted.code).toBe('precondition_failed');
    expect(promoted.message).toContain('never reaches full production');
    expect(await getRollout(h.deps, people.mlops, { rolloutId })).toMatchObject({
      status: 'running',
      traffic: 5,
    });
    const view = await serving(h);
    expect(view.production?.version).toBe('b1');
    expect(view.canary?.version).toBe('c1');
    // A person ends it; the candidate never became production.
    await controlRollout(h.deps, people.owner, { rolloutId, action: 'abort', reason: 'Done' });
    expect((await serving(h)).canary).toBeUndefined();
    expect((await h.store.read((tx) => tx.versions.get(model, 'c1')))?.state).toBe('staging');
  });

  it('a manual rollback during the canary ends it at once, audited and notified in one transaction', async () => {
    const h = await open();
    const { rolloutId } = await startRecommenderCanary(h);
    const before = (await outboxEvents(h.store)).length;
    const moved = await rollback(h.deps, people.mlops, {
      model,
      reason: 'Support tickets about the new feed',
      ticket: 'INC-7',
    });
    expect(moved).toEqual({ from: 'c1', to: 'b1' });
    expect(await getRollout(h.deps, people.mlops, { rolloutId })).toMatchObject({
      status: 'aborted',
      traffic: 0,
    });
    const view = await serving(h);
    expect(view.canary).toBeUndefined();
    expect(view.production?.version).toBe('b1');
    const events = (await outboxEvents(h.store)).slice(before);
    expect(events.map((e) => e.type)).toEqual(['rollout.rolled_back']);
    const event = parseNotificationEvent(events[0]?.payload);
    expect(event.ok && event.event.data).toMatchObject({
      rollout: { id: rolloutId, traffic: 0 },
      restoredVersion: 'b1',
    });
    const audit = await readAudit(h);
    const entry = audit.find((e) => e.action === 'rollback.executed');
    expect(entry).toMatchObject({
      reason: 'Support tickets about the new feed',
      ticket: 'INC-7',
      data: { from: 'c1', to: 'b1', trigger: 'manual', rolloutId },
    });
    expect(audit.map((e) => e.action)).toContain('rollout.aborted');
    // The canary's end and the rollback share one transaction: one event, no second rollback.
    const again = await refusal(rollback(h.deps, people.mlops, { model, reason: 'Again' }));
    expect(again.code).toBe('precondition_failed');
    expect((await serving(h)).production?.version).toBe('b1');
    expect(await checkStoredState(h.deps)).toMatchObject({ disagreements: [], problems: [] });
  });
});

/** One minute of both arms at a steady CTR, with the candidate's error rate as given. */
function minuteSlice(at: number, traffic: Traffic): ObservationInput[] {
  const requests = 20_000;
  const iso = new Date(at).toISOString();
  const errors = Math.round(requests * (traffic.errorRate ?? 0.001));
  return [
    { series: 'ctr', arm: 'candidate', at: iso, successes: 35_000, trials: 700_000 },
    { series: 'ctr', arm: 'control', at: iso, successes: 35_000, trials: 700_000 },
    { series: 'error_rate', arm: 'candidate', at: iso, successes: errors, trials: requests },
    { series: 'error_rate', arm: 'control', at: iso, successes: 20, trials: requests },
  ];
}
