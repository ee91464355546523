/**
 * k6's granular output (`k6 run --out json=load_test.ndjson`): one JSON object a line, `Metric`
 * lines declaring metrics and `Point` lines carrying samples. Every `Point` of `http_req_duration`
 * is one request's duration in milliseconds; other metrics are skipped without being parsed.
 */

import type { LoadTestEvidence } from '../domain/index.js';
import { evidenceError } from './evidence-error.js';
import { diskEvidenceFiles, type EvidenceFiles } from './evidence-files.js';
import { GrowableFloat64 } from './growable-arrays.js';

const LF = 10;
const metricName = 'http_req_duration';
/** k6 writes lines of a few hundred bytes; a longer one is not k6 output, and carrying it costs. */
const maxLineBytes = 1 << 20;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when the first line is a k6 output line (`{"type":"Metric"|"Point", …, "metric": …}`). */
export function isK6OutputLine(line: string): boolean {
  try {
    const value: unknown = JSON.parse(line);
    return (
      isObject(value) &&
      (value.type === 'Metric' || value.type === 'Point') &&
      typeof value.metric === 'string'
    );
  } catch {
    return false;
  }
}

function addLine(text: string, line: number, file: string, out: GrowableFloat64): void {
  // Cheap test first: most lines of a k6 file belong to other metrics.
  if (!text.includes(metricName)) return;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw evidenceError(
      { file, line },
      `is not valid JSON (${(error as Error).message}).`,
      'Attach the file exactly as k6 --out json wrote it (one JSON object a line).',
      error,
    );
  }
  if (!isObject(value) || value.type !== 'Point' || value.metric !== metricName) return;
  const sample = isObject(value.data) ? value.data.value : undefined;
  if (typeof sample !== 'number' || !Number.isFinite(sample) || sample < 0) {
    throw evidenceError(
      { file, line, field: 'data.value' },
      `http_req_duration sample is ${JSON.stringify(sample)}, not a duration in milliseconds.`,
      'Attach the file exactly as k6 --out json wrote it.',
    );
  }
  out.push(sample);
}

/** Streams the file; refuses one without any http_req_duration sample. */
export async function readK6Json(
  file: string,
  files: EvidenceFiles = diskEvidenceFiles,
): Promise<LoadTestEvidence> {
  const samples = new GrowableFloat64();
  let line = 0;
  let tail: Buffer | undefined;
  for await (const chunk of files.chunks(file, 1 << 20)) {
    const buf = tail ? Buffer.concat([tail, chunk as Buffer]) : (chunk as Buffer);
    let start = 0;
    for (let nl = buf.indexOf(LF, start); nl !== -1; nl = buf.indexOf(LF, start)) {
      addLine(buf.toString('utf8', start, nl), ++line, file, samples);
      start = nl + 1;
    }
    tail = start < buf.length ? buf.subarray(start) : undefined;
    if (tail !== undefined && tail.length > maxLineBytes) {
      throw evidenceError(
        { file, line: line + 1 },
        `is longer than ${maxLineBytes >> 20} MiB, so it is not a line of k6 output.`,
        'Attach the file k6 run --out json wrote (one JSON object a line).',
      );
    }
  }
  if (tail) addLine(tail.toString('utf8'), ++line, file, samples);
  if (samples.length === 0) {
    throw evidenceError(
      { file },
      'has no Point lines of metric http_req_duration, so there are no request durations to compute latency from.',
      'Attach the output of k6 run --out json=load_test.ndjson from a test that made HTTP requests.',
    );
  }
  return { source: file, format: 'k6-json', latenciesMs: samples.toArray() };
}
