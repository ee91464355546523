import { z } from 'zod';

/** One sample of a range query: [seconds since the epoch, value as text]. */
const sampleSchema = z.tuple([z.number(), z.string()]);

const matrixSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('matrix'),
    result: z.array(
      z.object({ metric: z.record(z.string(), z.string()), values: z.array(sampleSchema) }),
    ),
  }),
});

const errorSchema = z.object({
  status: z.literal('error'),
  errorType: z.string(),
  error: z.string(),
});

/** A series of a range result: its labels and its samples (ms, value). */
export interface RangeSeries {
  labels: Record<string, string>;
  samples: { at: number; value: number }[];
}

export type RangeResult = { ok: true; series: RangeSeries[] } | { ok: false; reason: string };

/**
 * Reads a `query_range` answer (Prometheus HTTP API, `resultType: matrix`). Values are decimal
 * text (`"NaN"`, `"+Inf"` included); a value that is not a finite number is refused here, since a
 * KPI point built from it would poison every statistic of its window.
 */
export function readRangeResponse(status: number, body: unknown): RangeResult {
  const failed = errorSchema.safeParse(body);
  if (failed.success)
    return {
      ok: false,
      reason: `Prometheus refused the query (${failed.data.errorType}): ${failed.data.error}`,
    };
  const parsed = matrixSchema.safeParse(body);
  if (!parsed.success)
    return {
      ok: false,
      reason: `Prometheus answered HTTP ${status} with a body that is not a range query result`,
    };
  const series: RangeSeries[] = [];
  for (const entry of parsed.data.data.result) {
    const samples: RangeSeries['samples'] = [];
    for (const [seconds, text] of entry.values) {
      const value = Number(text);
      if (text.trim() === '' || !Number.isFinite(value)) {
        return {
          ok: false,
          reason: `the query returned ${text} at ${new Date(seconds * 1000).toISOString()}, not a finite number`,
        };
      }
      samples.push({ at: Math.round(seconds * 1000), value });
    }
    series.push({ labels: entry.metric, samples });
  }
  return { ok: true, series };
}
