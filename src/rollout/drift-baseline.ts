/** Values above this many per series are refused: PSI and KS need a sample, not a census. */
export const maxBaselineValues = 1_000_000;

export type DriftBaselineRead = { ok: true; values: Float64Array } | { ok: false; reason: string };

/**
 * The reference sample of one series from a `drift_baseline` evidence document:
 * `{ "distributions": { "<series>": [number, …] } }`, saved with the version at approval.
 * Every value must be finite; the reason says what is wrong and where.
 */
export function readDriftBaseline(data: unknown, series: string): DriftBaselineRead {
  const distributions =
    data !== null && typeof data === 'object' && !Array.isArray(data)
      ? (data as Record<string, unknown>).distributions
      : undefined;
  if (distributions === null || typeof distributions !== 'object' || Array.isArray(distributions)) {
    return {
      ok: false,
      reason: 'The drift baseline has no "distributions" mapping of series to values.',
    };
  }
  const raw = (distributions as Record<string, unknown>)[series];
  if (!Array.isArray(raw) || raw.length === 0) {
    return {
      ok: false,
      reason: `The drift baseline has no values for "${series}" under "distributions".`,
    };
  }
  if (raw.length > maxBaselineValues) {
    return {
      ok: false,
      reason: `The drift baseline for "${series}" has ${raw.length} values, more than ${maxBaselineValues}; save a sample.`,
    };
  }
  const values = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      return {
        ok: false,
        reason: `Value ${i + 1} of "${series}" in the drift baseline is not a finite number.`,
      };
    }
    values[i] = v;
  }
  return { ok: true, values };
}
