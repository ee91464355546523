/**
 * JSON Lines predictions: one object per line. Lines are split on bytes (so a chunk boundary can
 * fall inside a multi-byte character safely) and each line goes through JSON.parse.
 */

import type { PredictionTable } from '../domain/index.js';
import { evidenceError, quoteCell } from './evidence-error.js';
import { diskEvidenceFiles } from './evidence-files.js';
import { parseDecimalText } from './parse-decimal.js';
import {
  assertColumnsPresent,
  invalidLabel,
  invalidNumber,
  labelFromText,
  PredictionColumns,
  type ReadPredictionsOptions,
} from './prediction-columns.js';

const LF = 10;

export async function readJsonlPredictions(
  file: string,
  options: ReadPredictionsOptions,
): Promise<PredictionTable> {
  const files = options.files ?? diskEvidenceFiles;
  const size = await files.size(file);
  const columns = new PredictionColumns(file, options, Math.ceil(size / 64));
  let line = 0;
  let tail: Buffer | undefined;
  let bytesRead = 0;
  for await (const chunk of files.chunks(file, 1 << 20)) {
    const bytes = chunk as Buffer;
    const buf = tail ? Buffer.concat([tail, bytes]) : bytes;
    let start = 0;
    for (let nl = buf.indexOf(LF, start); nl !== -1; nl = buf.indexOf(LF, start)) {
      addLine(buf.toString('utf8', start, nl), ++line, columns);
      start = nl + 1;
    }
    tail = start < buf.length ? buf.subarray(start) : undefined;
    bytesRead += bytes.length;
    options.onProgress?.(bytesRead, size);
  }
  if (tail) addLine(tail.toString('utf8'), ++line, columns);
  return columns.finish();
}

function addLine(raw: string, line: number, out: PredictionColumns): void {
  const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (text.trim() === '') return;
  const { file, options } = out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw evidenceError(
      { file, line },
      `is not valid JSON (${(error as Error).message}).`,
      'Write one complete JSON object per line, without trailing commas or line breaks inside it.',
      error,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw evidenceError(
      { file, line },
      'is not a JSON object.',
      'Write one object per line, e.g. {"label": 1, "score": 0.8}.',
    );
  }
  const row = parsed as Record<string, unknown>;
  assertColumnsPresent(file, Object.keys(row), options, { line });
  const where = { line };
  const label = row[options.label];
  if (out.labels) {
    const value =
      typeof label === 'boolean' ? Number(label) : typeof label === 'number' ? label : -1;
    if (value !== 0 && value !== 1) {
      // Strings like "1" or "true" are accepted too, as CSV would.
      const fromText = typeof label === 'string' ? labelFromText(label) : -1;
      if (fromText < 0) throw invalidLabel(file, where, options.label, jsonText(label));
      out.pushLabel(fromText);
    } else out.pushLabel(value);
  } else {
    out.targets!.push(finite(label, where, options.label, out, 'regression target'));
  }
  out.scores.push(finite(row[options.score], where, options.score, out, 'score'));
  if (out.baseline) {
    const name = options.baselineScore!;
    out.baseline.push(finite(row[name], where, name, out, 'baseline score'));
  }
  if (out.ids) out.ids.push(scalarText(row[options.idColumn!]));
  (options.groupColumns ?? []).forEach((name, g) => {
    out.groups[g]!.push(scalarText(row[name]));
  });
  out.rows++;
}

function finite(
  value: unknown,
  where: { line: number },
  column: string,
  out: PredictionColumns,
  role: 'score' | 'baseline score' | 'regression target',
): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (value === null || value === undefined) throw invalidNumber(out.file, where, column, '', role);
  if (typeof value === 'string') {
    // Numeric strings are accepted, as a CSV cell would be.
    const parsed = parseDecimalText(value);
    if (Number.isFinite(parsed) && value.trim() !== '') return parsed;
    throw invalidNumber(out.file, where, column, value, role);
  }
  throw evidenceError(
    { file: out.file, ...where, field: column },
    `${role} is ${quoteCell(jsonText(value))}, not a JSON number.`,
    'Write the value as a JSON number, e.g. 0.37.',
  );
}

/** Ids and group values: null becomes "" to match an empty CSV cell. */
function scalarText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function jsonText(value: unknown): string {
  return typeof value === 'string' ? value : String(JSON.stringify(value));
}
