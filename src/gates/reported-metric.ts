import type { MetricValue, RateMetric } from '../domain/index.js';

/** A self-reported metric as a number: a RateMetric counts as successes / trials. */
export interface ReportedNumber {
  value: number;
  rate?: RateMetric;
  /** Set when the reported value is malformed (a rate with successes > trials, …). */
  problem?: string;
}

export function isRateMetric(value: unknown): value is RateMetric {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as RateMetric).successes === 'number' &&
    typeof (value as RateMetric).trials === 'number'
  );
}

/** The number behind a reported metric; NaN (with a `problem`) when it cannot be one. */
export function reportedNumber(value: MetricValue): ReportedNumber {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? { value } : { value: Number.NaN, problem: 'is not finite' };
  }
  const { successes, trials } = value;
  const valid =
    Number.isInteger(successes) && Number.isInteger(trials) && successes >= 0 && trials > 0;
  if (!valid || successes > trials) {
    return {
      value: Number.NaN,
      rate: value,
      problem: `is not a valid rate (${successes} successes of ${trials} trials)`,
    };
  }
  return { value: successes / trials, rate: value };
}
