/**
 * A KPI batch from a file for `clearance rollout observe`: JSON (`{ batchId?, points }` or a bare
 * array of points, as the API takes them) or CSV with the header
 * `series,arm,at,successes,trials,value,count` — a row is a rate (successes, trials) or one value
 * (with its count, default 1); value rows of the same series, arm and time form one point.
 * Without a batch id, the file's SHA-256 names the batch, so posting the same file again is a
 * no-op.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ObservationInput } from '../app/index.js';
import { invalidInput } from '../domain/index.js';

export interface BatchFile {
  batchId: string;
  points: ObservationInput[];
}

const columns = ['series', 'arm', 'at', 'successes', 'trials', 'value', 'count'] as const;

const decimal = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function numberAt(cell: string | undefined, where: string): number | undefined {
  if (cell === undefined || cell.trim() === '') return undefined;
  // Plain decimals only: Number() would also read 0x10, 0b11 and 0o7.
  const n = decimal.test(cell.trim()) ? Number(cell) : Number.NaN;
  if (!Number.isFinite(n))
    throw invalidInput(`${where}: "${cell}" is not a number.`, 'Fix the CSV and run again.');
  return n;
}

function parseCsv(text: string, file: string): ObservationInput[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = lines
    .shift()
    ?.split(',')
    .map((h) => h.trim());
  const missing = columns.slice(0, 3).filter((c) => !header?.includes(c));
  if (!header || missing.length > 0) {
    throw invalidInput(
      `${file} has no ${missing.join(', ')} column${missing.length === 1 ? '' : 's'} in its header.`,
      `Start it with: ${columns.join(',')}`,
    );
  }
  const points: ObservationInput[] = [];
  const histograms = new Map<string, ObservationInput & { values: number[]; counts: number[] }>();
  lines.forEach((line, i) => {
    const where = `${file} line ${i + 2}`;
    if (line.includes('"'))
      throw invalidInput(`${where} is quoted.`, 'Write plain comma-separated cells.');
    const cells = line.split(',');
    const cell = (name: (typeof columns)[number]) => {
      const k = header.indexOf(name);
      return k < 0 ? undefined : cells[k]?.trim();
    };
    const base = { series: cell('series') ?? '', arm: cell('arm') ?? '', at: cell('at') ?? '' };
    const value = numberAt(cell('value'), where);
    const successes = numberAt(cell('successes'), where);
    const trials = numberAt(cell('trials'), where);
    if (value !== undefined && (successes !== undefined || trials !== undefined))
      throw invalidInput(
        `${where} gives both successes/trials (a rate) and a value.`,
        'Put a rate and a value on separate rows.',
      );
    if (value === undefined) {
      points.push({
        ...base,
        ...(successes === undefined ? {} : { successes }),
        ...(trials === undefined ? {} : { trials }),
      });
      return;
    }
    const key = `${base.series}\u0000${base.arm}\u0000${base.at}`;
    let point = histograms.get(key);
    if (!point) {
      point = { ...base, values: [], counts: [] };
      histograms.set(key, point);
      points.push(point);
    }
    point.values.push(value);
    point.counts.push(numberAt(cell('count'), where) ?? 1);
  });
  return points;
}

export async function readBatchFile(file: string, batchId?: string): Promise<BatchFile> {
  const bytes = await readFile(file);
  const text = bytes.toString('utf8');
  const named = batchId ?? `file-${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}`;
  if (!/\.json$/i.test(file)) return { batchId: named, points: parseCsv(text, file) };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw invalidInput(`${file} is not valid JSON.`, 'Fix the file, or give a .csv file.');
  }
  if (Array.isArray(data)) return { batchId: named, points: data as ObservationInput[] };
  const batch = data as { batchId?: unknown; points?: unknown };
  if (data === null || typeof data !== 'object' || !Array.isArray(batch.points)) {
    throw invalidInput(
      `${file} has no "points" list.`,
      'Give { "batchId": …, "points": [ … ] } or a list of points.',
    );
  }
  return {
    batchId: batchId ?? (typeof batch.batchId === 'string' ? batch.batchId : named),
    points: batch.points as ObservationInput[],
  };
}
