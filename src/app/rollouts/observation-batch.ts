/**
 * A posted KPI batch, checked whole before anything is stored: every problem is reported at once,
 * and one bad point refuses the batch. Bounded so a batch is cheap to store and to re-read at
 * every evaluation.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../domain/canonical-json.js';
import { ClearanceError } from '../../domain/index.js';
import type { ObservationPoint } from '../../rollout/index.js';

/** Points in one batch. */
export const maxBatchPoints = 10_000;
/**
 * Raw values in one batch, histogram counts included (values are expanded to evaluate); a
 * histogram counts as the larger of its listed values and its counts' sum.
 */
export const maxBatchValues = 1_000_000;
/** How far past its arrival a point's timestamp may be (clocks of reporters drift). */
const maxClockSkewMs = 5 * 60_000;

export interface ObservationInput {
  series: string;
  arm: string;
  /** RFC 3339: when it was measured. */
  at: string;
  successes?: number;
  trials?: number;
  values?: number[];
  counts?: number[];
}

const batchIdPattern = /^[A-Za-z0-9._:-]{1,200}$/;

/** Batch ids of KPIs pulled from the policy's sources (pull-kpis.ts) start with this. */
export const pullBatchPrefix = 'pull:';
const seriesPattern = /^[A-Za-z0-9._:-]{1,200}$/;

/** RFC 3339 date-time: date, `T`, time, and a `Z` or numeric offset (never the server's zone). */
const rfc3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Milliseconds of an RFC 3339 time, or NaN: `Date.parse` alone reads a stamp without an offset in
 * the server's time zone and rolls an impossible date over (February 30 → March 2), which would
 * put the point in a window its reporter did not mean.
 */
function parseRfc3339(text: string): number {
  const m = rfc3339.exec(text);
  if (!m) return Number.NaN;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (
    calendar.getUTCMonth() !== month - 1 ||
    calendar.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    return Number.NaN;
  return Date.parse(text);
}

const isCount = (n: unknown): n is number =>
  typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

function checkPoint(
  point: ObservationInput,
  where: string,
  bounds: { startedAt: number; receivedAt: number },
): { point?: ObservationPoint; problems: string[]; values: number } {
  const problems: string[] = [];
  if (!seriesPattern.test(point.series))
    problems.push(`${where}: series must be 1–200 letters, digits or . _ : -.`);
  if (point.arm !== 'candidate' && point.arm !== 'control')
    problems.push(`${where}: arm must be candidate or control.`);
  const at = typeof point.at === 'string' ? parseRfc3339(point.at) : Number.NaN;
  if (!Number.isFinite(at)) problems.push(`${where}: at "${point.at}" is not an RFC 3339 time.`);
  else if (at < bounds.startedAt)
    problems.push(`${where}: at ${point.at} is before the rollout started.`);
  else if (at > bounds.receivedAt + maxClockSkewMs)
    problems.push(`${where}: at ${point.at} is in the future.`);
  const rate = point.successes !== undefined || point.trials !== undefined;
  const valued = point.values !== undefined || point.counts !== undefined;
  let values = 0;
  if (rate === valued) {
    problems.push(
      `${where}: give either successes and trials (a rate) or values (and counts), not ${rate ? 'both' : 'neither'}.`,
    );
  } else if (rate) {
    if (!isCount(point.successes) || !isCount(point.trials))
      problems.push(`${where}: successes and trials must be whole numbers ≥ 0.`);
    else if (point.successes > point.trials)
      problems.push(`${where}: successes (${point.successes}) exceed trials (${point.trials}).`);
  } else {
    const list = point.values ?? [];
    if (list.length === 0) problems.push(`${where}: values is empty.`);
    if (!list.every((v) => typeof v === 'number' && Number.isFinite(v)))
      problems.push(`${where}: every value must be a finite number.`);
    if (point.counts !== undefined) {
      if (point.counts.length !== list.length)
        problems.push(`${where}: counts must have one entry per value.`);
      else if (!point.counts.every(isCount))
        problems.push(`${where}: counts must be whole numbers ≥ 0.`);
      // Every listed value is stored, counted 0 times or not: the larger of the two is bounded.
      else
        values = Math.max(
          list.length,
          point.counts.reduce((sum, c) => sum + c, 0),
        );
    } else values = list.length;
  }
  if (problems.length > 0) return { problems, values };
  const base = {
    series: point.series,
    arm: point.arm as 'candidate' | 'control',
    at,
    receivedAt: bounds.receivedAt,
  };
  const built: ObservationPoint = rate
    ? { ...base, successes: point.successes ?? 0, trials: point.trials ?? 0 }
    : { ...base, values: point.values ?? [], ...(point.counts ? { counts: point.counts } : {}) };
  return { point: built, problems, values };
}

/** The batch's points, or `invalid_input` listing every problem (the first 20). */
export function checkBatch(input: {
  batchId: string;
  points: readonly ObservationInput[];
  startedAt: number;
  receivedAt: number;
}): { points: ObservationPoint[]; digest: string } {
  const problems: string[] = [];
  if (!batchIdPattern.test(input.batchId))
    problems.push('batchId must be 1–200 letters, digits or . _ : -.');
  if (input.batchId.startsWith(pullBatchPrefix))
    problems.push(
      `batchId may not start with ${pullBatchPrefix}: those are the KPIs pulled from the policy's sources.`,
    );
  if (input.points.length === 0) problems.push('The batch has no points.');
  if (input.points.length > maxBatchPoints)
    problems.push(
      `The batch has ${input.points.length} points; at most ${maxBatchPoints} are accepted. Split it.`,
    );
  const points: ObservationPoint[] = [];
  let values = 0;
  if (input.points.length <= maxBatchPoints) {
    input.points.forEach((raw, i) => {
      const checked = checkPoint(raw, `points[${i}]`, input);
      problems.push(...checked.problems);
      values += checked.values;
      if (checked.point) points.push(checked.point);
    });
  }
  if (values > maxBatchValues)
    problems.push(
      `The batch holds ${values} values; at most ${maxBatchValues} are accepted. Split it or post histograms of fewer distinct values.`,
    );
  if (problems.length > 0) {
    const shown = problems.slice(0, 20);
    const message = `Observation batch ${input.batchId} is refused: ${shown[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`;
    throw new ClearanceError('invalid_input', message, {
      problems: shown.map((p) => ({
        message: p,
        fix: 'Correct the batch and post it again; nothing was stored.',
      })),
    });
  }
  return { points, digest: batchDigest(points) };
}

/** The digest is over what was measured, not when it arrived: a retry is the same batch. */
export function batchDigest(points: readonly ObservationPoint[]): string {
  const measured = points.map(({ receivedAt: _, ...rest }) => rest);
  return `sha256:${createHash('sha256').update(canonicalJson(measured)).digest('hex')}`;
}
