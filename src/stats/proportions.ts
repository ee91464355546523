import { normalCdf, normalQuantile } from './normal.js';

export interface TwoProportionResult {
  rateA: number;
  rateB: number;
  difference: number;
  z: number;
  pValue: number;
  /** One-sided, H1: rate A > rate B. */
  pValueGreater: number;
  confidence: number;
  /** Unpooled Wald interval of rateA − rateB. */
  differenceCi: [number, number];
  /** rateA / rateB − 1 */
  relativeLift: number;
  /** Katz log interval of the risk ratio, minus 1. */
  relativeLiftCi: [number, number];
}

function assertCounts(successes: number, trials: number, arm: string): void {
  if (!Number.isInteger(trials) || trials < 1) {
    throw new RangeError(`Trials of arm ${arm} must be a positive integer, got ${trials}.`);
  }
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new RangeError(`Successes of arm ${arm} must be an integer in [0, ${trials}].`);
  }
}

/**
 * Two-proportion z test with the pooled standard error, as statsmodels `proportions_ztest`:
 * z = (p̂A − p̂B)/√(p̂(1−p̂)(1/nA + 1/nB)) with p̂ the pooled rate; p = 2Φ(−|z|). The difference
 * interval is the unpooled Wald interval; the lift interval is Katz et al. (1978)'s delta method on
 * log(p̂A/p̂B), as `scipy.stats.contingency.relative_risk(...).confidence_interval()`. Undefined
 * quantities (a zero rate, a pooled rate of 0 or 1) are NaN.
 */
export function twoProportionZTest(input: {
  successesA: number;
  trialsA: number;
  successesB: number;
  trialsB: number;
  confidence?: number;
}): TwoProportionResult {
  const { successesA: xA, trialsA: nA, successesB: xB, trialsB: nB } = input;
  const confidence = input.confidence ?? 0.95;
  assertCounts(xA, nA, 'A');
  assertCounts(xB, nB, 'B');
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`Confidence must be in (0, 1), got ${confidence}.`);
  }
  const rateA = xA / nA;
  const rateB = xB / nB;
  const difference = rateA - rateB;
  const pooled = (xA + xB) / (nA + nB);
  const pooledSe = Math.sqrt(pooled * (1 - pooled) * (1 / nA + 1 / nB));
  const z = pooledSe === 0 ? Number.NaN : difference / pooledSe;
  const zc = normalQuantile(1 - (1 - confidence) / 2);
  const waldSe = Math.sqrt((rateA * (1 - rateA)) / nA + (rateB * (1 - rateB)) / nB);
  const relativeRisk = rateA / rateB;
  const logSe = Math.sqrt(1 / xA - 1 / nA + 1 / xB - 1 / nB);
  const liftDefined = xA > 0 && xB > 0;
  return {
    rateA,
    rateB,
    difference,
    z,
    pValue: 2 * normalCdf(-Math.abs(z)),
    pValueGreater: normalCdf(-z),
    confidence,
    differenceCi: [difference - zc * waldSe, difference + zc * waldSe],
    relativeLift: xB > 0 ? relativeRisk - 1 : Number.NaN,
    relativeLiftCi: liftDefined
      ? [relativeRisk * Math.exp(-zc * logSe) - 1, relativeRisk * Math.exp(zc * logSe) - 1]
      : [Number.NaN, Number.NaN],
  };
}
