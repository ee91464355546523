import { parseDuration } from '../domain/duration.js';
import type {
  BurnRateTrigger,
  DriftTrigger,
  RollbackTrigger,
  ValueTrigger,
} from '../domain/policy.js';
import { percentile } from '../stats/index.js';
import { ksDistance, populationStabilityIndex } from './drift.js';
import { type ArmSample, collectArm, type ObservationPoint, sampleSize } from './observations.js';
import {
  type RelativeChange,
  relativeMeanChange,
  relativePercentileChange,
  relativeRateChange,
} from './relative-interval.js';
import { compare, type WindowObservation, type WindowResult } from './window-result.js';
import { decisionTime, type WindowBounds, windowBounds } from './windows.js';

export interface WindowInput {
  trigger: RollbackTrigger;
  /** Position of the trigger in the rollout's `triggers`. */
  triggerIndex: number;
  points: readonly ObservationPoint[];
  startedAt: number;
  window: number;
  latenessMs: number;
  /** Baseline values of drift triggers, by series name. */
  driftBaselines?: Readonly<Record<string, Float64Array>>;
}

type Judged = Pick<WindowResult, 'verdict' | 'basis' | 'observed' | 'explanation'>;

export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`Unparsed duration '${text}' reached the rollout engine.`);
  return ms;
}

/**
 * Decides one window of one trigger (DESIGN §6): the points measured in it and received by its
 * end plus the lateness allowance, pooled; Inconclusive below `minSamples`; a window without
 * data as `treatMissing` says; otherwise Fail when the value (or, against the control, the
 * interval's bound nearest to not breaching) is `op threshold`, else Pass.
 */
export function evaluateWindow(input: WindowInput): WindowResult {
  const { trigger } = input;
  const window = windowBounds(input.startedAt, durationMs(trigger.period), input.window);
  const decidedAt = decisionTime(window, input.latenessMs);
  const judged = judge(input, window, decidedAt);
  return {
    trigger: input.triggerIndex,
    metric: trigger.metric,
    window,
    decidedAt,
    op: trigger.op,
    threshold: trigger.threshold,
    ...judged,
  };
}

function judge(input: WindowInput, window: WindowBounds, deadline: number): Judged {
  const { trigger } = input;
  const arm = (which: 'candidate' | 'control', from = window.start): ArmSample =>
    collectArm(input.points, {
      series: trigger.series,
      arm: which,
      from,
      to: window.end,
      deadline,
    });
  switch (trigger.compare) {
    case 'absolute':
      return judgeAbsolute(trigger, arm('candidate'));
    case 'relativeToControl':
      return judgeRelative(trigger, arm('candidate'), arm('control'));
    case 'drift':
      return judgeDrift(trigger, arm('candidate'), input.driftBaselines?.[trigger.series]);
    case 'burnRate': {
      const longFrom = Math.max(input.startedAt, window.end - durationMs(trigger.longWindow));
      return judgeBurnRate(trigger, arm('candidate'), arm('candidate', longFrom));
    }
  }
}

const missingVerdicts = {
  missing: 'error',
  breaching: 'fail',
  notBreaching: 'pass',
  ignore: 'skipped',
} as const;

function missing(trigger: RollbackTrigger, statistic: string, what: string): Judged {
  return {
    verdict: missingVerdicts[trigger.treatMissing],
    basis: 'missing',
    observed: { statistic, samples: { candidate: 0 } },
    explanation: `No ${trigger.series} data ${what} in this window; treatMissing: ${trigger.treatMissing}.`,
  };
}

function invalid(statistic: string, observed: Partial<WindowObservation>, why: string): Judged {
  return {
    verdict: 'error',
    basis: 'invalid',
    observed: { statistic, samples: { candidate: 0 }, ...observed },
    explanation: why,
  };
}

function tooFew(trigger: RollbackTrigger, observed: WindowObservation): Judged | undefined {
  const { candidate, control } = observed.samples;
  const least = Math.min(candidate, control ?? Number.POSITIVE_INFINITY);
  if (least >= trigger.minSamples) return undefined;
  return {
    verdict: 'inconclusive',
    basis: 'minSamples',
    observed,
    explanation: `${trigger.metric}: ${least} samples in this window, fewer than minSamples ${trigger.minSamples}.`,
  };
}

function decided(
  trigger: RollbackTrigger,
  observed: WindowObservation & { value: number },
  what: string,
): Judged {
  if (Number.isNaN(observed.value)) {
    return invalid(observed.statistic, observed, `${trigger.metric}: ${what} is undefined here.`);
  }
  const breach = compare(observed.value, trigger.op, trigger.threshold);
  return {
    verdict: breach ? 'fail' : 'pass',
    basis: 'data',
    observed,
    explanation: `${trigger.metric}: ${what} ${formatNumber(observed.value)} ${breach ? 'is' : 'is not'} ${trigger.op} ${trigger.threshold}.`,
  };
}

function formatNumber(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(6))) : String(value);
}

/** The value of a value statistic on one arm, or why it has none. */
function armValue(trigger: ValueTrigger, sample: ArmSample): number | string {
  const { statistic } = trigger;
  if (sample.kind === 'mixed') return `${trigger.series} mixes counts and values`;
  if (statistic === 'rate') {
    if (sample.kind !== 'counts')
      return `${trigger.series} has values, not counts; set statistic: mean or a percentile`;
    return sample.successes / sample.trials;
  }
  if (sample.kind !== 'values')
    return `${trigger.series} has counts, not values; set statistic: rate`;
  for (const v of sample.values)
    if (!Number.isFinite(v)) return `${trigger.series} has a non-finite value`;
  if (statistic === 'mean') return sample.values.reduce((s, v) => s + v, 0) / sample.values.length;
  return percentile(sample.values, Number(statistic.slice(1)));
}

function judgeAbsolute(trigger: ValueTrigger, candidate: ArmSample): Judged {
  if (candidate.kind === 'none') return missing(trigger, trigger.statistic, 'from the candidate');
  const value = armValue(trigger, candidate);
  const samples = { candidate: sampleSize(candidate) };
  if (typeof value === 'string') return invalid(trigger.statistic, { samples }, `${value}.`);
  const observed = { statistic: trigger.statistic, value, candidate: value, samples };
  return tooFew(trigger, observed) ?? decided(trigger, observed, trigger.statistic);
}

function relativeChange(
  trigger: ValueTrigger,
  candidate: ArmSample,
  control: ArmSample,
  estimate: number,
): RelativeChange {
  const { confidence, statistic } = trigger;
  if (candidate.kind === 'counts' && control.kind === 'counts') {
    return relativeRateChange({ candidate, control, confidence });
  }
  if (candidate.kind !== 'values' || control.kind !== 'values') throw new Error('unreachable');
  if (statistic === 'mean') {
    return relativeMeanChange({ candidate: candidate.values, control: control.values, confidence });
  }
  return relativePercentileChange({
    candidate: candidate.values,
    control: control.values,
    q: Number(statistic.slice(1)),
    estimate,
    confidence,
  });
}

/**
 * Against the control, the bound nearest to not breaching is compared: the upper bound for a
 * trigger on drops (`<=`, `<`), the lower bound for one on rises, so noise alone never fires.
 */
function judgeRelative(trigger: ValueTrigger, candidate: ArmSample, control: ArmSample): Judged {
  const statistic = `relative ${trigger.statistic} change`;
  if (candidate.kind === 'none' || control.kind === 'none') {
    return missing(
      trigger,
      statistic,
      candidate.kind === 'none' ? 'from the candidate' : 'from the control',
    );
  }
  const a = armValue(trigger, candidate);
  const b = armValue(trigger, control);
  const samples = { candidate: sampleSize(candidate), control: sampleSize(control) };
  if (typeof a === 'string' || typeof b === 'string') {
    return invalid(statistic, { samples }, `${typeof a === 'string' ? a : b}.`);
  }
  const base = { statistic, candidate: a, control: b, samples };
  const few = tooFew(trigger, base);
  if (few) return few;
  if (trigger.statistic === 'mean' && Math.min(samples.candidate, samples.control) < 2) {
    // A mean of one value has no variance to build an interval from: too few samples, whatever minSamples says.
    return tooFew({ ...trigger, minSamples: 2 }, base)!;
  }
  // A zero control rate is handled by the rate interval's 0.5 correction; other statistics have none.
  if (b === 0 && trigger.statistic !== 'rate')
    return invalid(
      statistic,
      base,
      `${trigger.metric}: the control's value is 0, so a relative change is undefined.`,
    );
  const change = relativeChange(trigger, candidate, control, a / b - 1);
  const drop = trigger.op === '<=' || trigger.op === '<';
  const bound = drop ? change.interval[1] : change.interval[0];
  const observed = {
    ...base,
    statistic: `${statistic} (${change.method}, ${trigger.confidence * 100}% two-sided interval)`,
    value: bound,
    estimate: change.estimate,
    interval: change.interval,
  };
  return decided(
    trigger,
    observed,
    `the ${drop ? 'upper' : 'lower'} bound of (candidate − control) / control`,
  );
}

function judgeDrift(
  trigger: DriftTrigger,
  candidate: ArmSample,
  baseline: Float64Array | undefined,
): Judged {
  const { statistic } = trigger;
  if (!baseline || baseline.length === 0) {
    return invalid(
      statistic,
      {},
      `${trigger.metric}: no ${trigger.baseline} baseline for ${trigger.series} was saved with the version.`,
    );
  }
  if (candidate.kind === 'none') return missing(trigger, statistic, 'from the candidate');
  if (candidate.kind !== 'values') {
    return invalid(
      statistic,
      { samples: { candidate: sampleSize(candidate) } },
      `${trigger.series} must be posted as values for a drift trigger.`,
    );
  }
  const live = candidate.values;
  for (const v of live)
    if (!Number.isFinite(v))
      return invalid(statistic, {}, `${trigger.series} has a non-finite value.`);
  const value =
    statistic === 'psi' ? populationStabilityIndex(baseline, live) : ksDistance(baseline, live);
  const observed = { statistic, value, samples: { candidate: live.length } };
  return tooFew(trigger, observed) ?? decided(trigger, observed, statistic.toUpperCase());
}

function burnRate(sample: ArmSample, slo: number): number {
  return sample.kind === 'counts' ? sample.successes / sample.trials / (1 - slo) : Number.NaN;
}

/** Multiwindow burn rate (SRE workbook): both the window and the long window must burn. */
function judgeBurnRate(trigger: BurnRateTrigger, short: ArmSample, long: ArmSample): Judged {
  const statistic = `burn rate (SLO ${trigger.slo})`;
  if (short.kind === 'none') return missing(trigger, statistic, 'from the candidate');
  if (short.kind !== 'counts' || long.kind !== 'counts') {
    return invalid(
      statistic,
      {},
      `${trigger.series} must be posted as counts (errors of requests) for a burn-rate trigger.`,
    );
  }
  const value = burnRate(short, trigger.slo);
  const longValue = burnRate(long, trigger.slo);
  const observed = { statistic, value, longValue, samples: { candidate: short.trials } };
  const few = tooFew(trigger, observed);
  if (few) return few;
  const breach =
    compare(value, trigger.op, trigger.threshold) &&
    compare(longValue, trigger.op, trigger.threshold);
  return {
    verdict: breach ? 'fail' : 'pass',
    basis: 'data',
    observed,
    explanation: `${trigger.metric}: burn rate ${formatNumber(value)} over ${trigger.period} and ${formatNumber(longValue)} over ${trigger.longWindow}; ${breach ? 'both are' : 'not both'} ${trigger.op} ${trigger.threshold}.`,
  };
}
