import type {
  KpiPull,
  KpiPullProblem,
  KpiPullRequest,
  KpiSource,
} from '../app/shared/kpi-source-port.js';
import { parseDuration } from '../domain/duration.js';
import type { KpiSeriesSource, PrometheusArmQuery } from '../domain/policy.js';
import { fillPromqlTemplate } from '../domain/promql-template.js';
import type { Arm, ObservationPoint } from '../rollout/index.js';
import { type RangeResult, type RangeSeries, readRangeResponse } from './prometheus-response.js';

export interface PrometheusOptions {
  /** Base URL of the Prometheus server (`http://prometheus:9090`), from server config. */
  url: string;
  /** Per query, connect to last byte. */
  timeoutMs: number;
  /** Larger answers are refused (a runaway query must not exhaust the server's memory). */
  maxResponseBytes?: number;
}

const defaultMaxResponseBytes = 8 * 1024 * 1024;
/** Prometheus' own cap on samples per series of a range query. */
const maxSamplesPerSeries = 11_000;

interface ArmJob {
  series: string;
  arm: Arm;
  version: string;
  stepMs: number;
  query: PrometheusArmQuery;
}

type ArmOutcome = { ok: true; points: ObservationPoint[] } | { ok: false; reason: string };

/**
 * A KPI source over the Prometheus HTTP API: one `query_range` per query and arm, evaluated every
 * `step`. A sample at time t (`increase(x[{step}])` covers (t − step, t]) becomes a point measured
 * at t − step, so it falls in the window its step lies in when step divides the window's period.
 */
export function prometheusKpiSource(options: PrometheusOptions): KpiSource {
  const base = options.url.replace(/\/+$/, '');
  const maxBytes = options.maxResponseBytes ?? defaultMaxResponseBytes;

  async function queryRange(
    query: string,
    range: { start: number; end: number; stepMs: number },
  ): Promise<RangeResult> {
    const body = new URLSearchParams({
      query,
      start: (range.start / 1000).toString(),
      end: (range.end / 1000).toString(),
      step: `${range.stepMs / 1000}`,
    });
    let response: Response;
    try {
      response = await fetch(`${base}/api/v1/query_range`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      return {
        ok: false,
        reason: `Prometheus at ${base} did not answer: ${describeFailure(error)}`,
      };
    }
    const text = await readBounded(response, maxBytes);
    if (text === undefined)
      return { ok: false, reason: `Prometheus answered with more than ${maxBytes} bytes` };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return {
        ok: false,
        reason: `Prometheus answered HTTP ${response.status} with a body that is not JSON`,
      };
    }
    return readRangeResponse(response.status, json);
  }

  async function pullArm(job: ArmJob, request: KpiPullRequest): Promise<ArmOutcome> {
    const { stepMs } = job;
    // Evaluation times t with t − step in [from, to), and t no later than the pull: only whole steps.
    const start = Math.ceil((request.from + stepMs) / 1000) * 1000;
    const end = Math.min(request.to - 1 + stepMs, request.receivedAt);
    if (end < start) return { ok: true, points: [] };
    if (Math.floor((end - start) / stepMs) + 1 > maxSamplesPerSeries)
      return {
        ok: false,
        reason: `the range asks for more than ${maxSamplesPerSeries} steps; pull a shorter range`,
      };
    const fill = (template: string) =>
      fillPromqlTemplate(template, {
        model: request.model,
        version: job.version,
        arm: job.arm,
        series: job.series,
        stepSeconds: stepMs / 1000,
      });
    const range = { start, end, stepMs };
    const base = { series: job.series, arm: job.arm, receivedAt: request.receivedAt };
    if ('value' in job.query) {
      const result = await queryRange(fill(job.query.value), range);
      if (!result.ok) return result;
      return { ok: true, points: valuePoints(result.series, { ...base, stepMs }) };
    }
    const [successes, trials] = await Promise.all([
      queryRange(fill(job.query.successes), range),
      queryRange(fill(job.query.trials), range),
    ]);
    if (!successes.ok) return { ok: false, reason: `successes: ${successes.reason}` };
    if (!trials.ok) return { ok: false, reason: `trials: ${trials.reason}` };
    return countPoints({ successes: successes.series, trials: trials.series }, { ...base, stepMs });
  }

  return {
    async pull(request) {
      const jobs = armJobs(request);
      const outcomes = await Promise.all(jobs.map((job) => pullArm(job, request)));
      const pull: KpiPull = { points: [], problems: [] };
      outcomes.forEach((outcome, i) => {
        const job = jobs[i]!;
        if (outcome.ok) pull.points.push(...outcome.points);
        else
          pull.problems.push({
            series: job.series,
            arm: job.arm,
            reason: outcome.reason,
          } satisfies KpiPullProblem);
      });
      return pull;
    },
  };
}

function armJobs(request: KpiPullRequest): ArmJob[] {
  const jobs: ArmJob[] = [];
  for (const [series, source] of Object.entries(request.sources) as [string, KpiSeriesSource][]) {
    const { step, candidate, control } = source.prometheus;
    const stepMs = parseDuration(step) ?? 60_000;
    jobs.push({
      series,
      arm: 'candidate',
      version: request.candidateVersion,
      stepMs,
      query: candidate,
    });
    if (control && request.controlVersion !== undefined)
      jobs.push({
        series,
        arm: 'control',
        version: request.controlVersion,
        stepMs,
        query: control,
      });
  }
  return jobs;
}

interface PointPlace {
  series: string;
  arm: Arm;
  receivedAt: number;
  stepMs: number;
}

/** Every sample of every series returned is one value, measured at the start of its step. */
function valuePoints(series: RangeSeries[], place: PointPlace): ObservationPoint[] {
  const byTime = new Map<number, number[]>();
  for (const entry of series)
    for (const sample of entry.samples) {
      const values = byTime.get(sample.at) ?? [];
      values.push(sample.value);
      byTime.set(sample.at, values);
    }
  return [...byTime]
    .sort(([a], [b]) => a - b)
    .map(([at, values]) => ({
      series: place.series,
      arm: place.arm,
      at: at - place.stepMs,
      receivedAt: place.receivedAt,
      values,
    }));
}

/** Successes and trials paired by time; a step with only one of them has no point. */
function countPoints(
  answers: { successes: RangeSeries[]; trials: RangeSeries[] },
  place: PointPlace,
): ArmOutcome {
  for (const [name, series] of Object.entries(answers)) {
    if (series.length > 1)
      return {
        ok: false,
        reason: `${name}: the query returned ${series.length} series, not one; aggregate it, for example with sum(...)`,
      };
  }
  const trials = new Map(answers.trials[0]?.samples.map((s) => [s.at, s.value]) ?? []);
  const points: ObservationPoint[] = [];
  for (const { at, value: successes } of answers.successes[0]?.samples ?? []) {
    const total = trials.get(at);
    if (total === undefined) continue;
    if (successes < 0 || total < 0 || successes > total)
      return {
        ok: false,
        reason: `at ${new Date(at).toISOString()} successes ${successes} and trials ${total} are not counts with successes ≤ trials`,
      };
    points.push({
      series: place.series,
      arm: place.arm,
      at: at - place.stepMs,
      receivedAt: place.receivedAt,
      successes,
      trials: total,
    });
  }
  return { ok: true, points };
}

function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timed out';
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}

/** The body as text, or undefined once it passes `max` bytes (the rest is not read). */
async function readBounded(response: Response, max: number): Promise<string | undefined> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    // Leaving the loop cancels the stream: the rest is never read.
    if (size > max) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
