/**
 * Self-reported metrics: `{ "auc": 0.81, "ctr": { "successes": 412, "trials": 10000 } }`, or the
 * same under a top-level `metrics` key. Every bad key is reported at once.
 */
import { ClearanceError, formatProblem, type MetricValue, type Problem } from '../domain/index.js';
import { readJsonFile } from './read-json-file.js';

export async function readMetrics(path: string): Promise<Record<string, MetricValue>> {
  const { value } = await readJsonFile(path);
  return parseMetrics(value, path);
}

/** Validates parsed JSON as metrics; pure, so the CLI and API can reuse it on request bodies. */
export function parseMetrics(value: unknown, file: string): Record<string, MetricValue> {
  const root = isObject(value) && isObject(value.metrics) ? value.metrics : value;
  if (!isObject(root)) {
    throw new ClearanceError(
      'invalid_evidence',
      `${file}: metrics must be a JSON object of name → number.`,
      {
        problems: [
          {
            location: { file },
            message: 'metrics must be a JSON object.',
            fix: 'Write {"auc": 0.81, …}.',
          },
        ],
      },
    );
  }
  const metrics: Record<string, MetricValue> = {};
  const problems: Problem[] = [];
  for (const [key, raw] of Object.entries(root)) {
    const parsed = parseMetricValue(raw);
    if (typeof parsed === 'string') {
      problems.push({
        location: { file, field: key },
        message: `metric "${key}" ${parsed}.`,
        fix: 'Give a finite number, or {"successes": s, "trials": n} with whole numbers 0 ≤ s ≤ n and n > 0.',
      });
    } else metrics[key] = parsed;
  }
  if (problems.length > 0) {
    const message = problems.map((p) => formatProblem(p)).join('\n');
    throw new ClearanceError('invalid_evidence', message, { problems });
  }
  return metrics;
}

/** The value, or why it is rejected. */
function parseMetricValue(raw: unknown): MetricValue | string {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : 'is not finite';
  if (typeof raw === 'string') return `is the string ${JSON.stringify(raw)}, not a number`;
  if (!isObject(raw)) return `is ${raw === null ? 'null' : typeof raw}, not a number`;
  const { successes, trials } = raw;
  if (typeof successes !== 'number' || typeof trials !== 'number') {
    return 'is an object without numeric "successes" and "trials"';
  }
  if (
    !Number.isInteger(successes) ||
    !Number.isInteger(trials) ||
    successes < 0 ||
    trials <= 0 ||
    successes > trials
  ) {
    return `has successes ${successes} and trials ${trials}, which is not a valid count`;
  }
  return { successes, trials };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
