/**
 * Load-test CSVs. The header says which kind:
 * - a per-request latency CSV: one row per request, `latency_ms` (required) and `cost_usd`
 *   (optional) columns, any others ignored;
 * - a Locust stats CSV (`locust --csv load_test` writes `load_test_stats.csv`): one row per
 *   endpoint plus the "Aggregated" row, whose "Request Count", response-time and percentile
 *   columns ("50%" … "95%" … "100%") are read.
 */

import type { LoadTestEvidence } from '../domain/index.js';
import { type CsvFields, decodeField, PLAIN } from './csv-record-scanner.js';
import { evidenceError, quoteCell } from './evidence-error.js';
import { diskEvidenceFiles, type EvidenceFiles } from './evidence-files.js';
import { GrowableFloat64 } from './growable-arrays.js';
import { parseDecimal, parseDecimalText } from './parse-decimal.js';
import { scanCsvFile } from './scan-csv-file.js';

const latencyColumn = 'latency_ms';
const costColumn = 'cost_usd';
const locustFigure = /^(\d+(\.\d+)?%|(Average|Median|Min|Max) Response Time)$/;

type Parser =
  | { kind: 'samples'; latency: number; cost: number; columns: number }
  | { kind: 'locust'; header: string[]; aggregated?: string[] };

function sampleAt(
  buf: Buffer,
  fields: CsvFields,
  i: number,
  where: { file: string; row: number; field: string },
): number {
  const value =
    fields.kind[i] === PLAIN
      ? parseDecimal(buf, fields.starts[i]!, fields.ends[i]!)
      : parseDecimalText(decodeField(buf, fields, i));
  if (Number.isFinite(value) && value >= 0) return value;
  throw evidenceError(
    where,
    `${where.field} ${quoteCell(decodeField(buf, fields, i))} is not a non-negative number.`,
    'Every row needs the request’s measured value as a plain decimal (e.g. 42.7); drop requests that were never answered or record them with their timeout.',
  );
}

function headerParser(header: string[], file: string): Parser {
  const latency = header.indexOf(latencyColumn);
  if (latency >= 0) {
    return { kind: 'samples', latency, cost: header.indexOf(costColumn), columns: header.length };
  }
  if (header.includes('Name') && header.some((h) => locustFigure.test(h))) {
    return { kind: 'locust', header };
  }
  throw evidenceError(
    { file, row: 1 },
    `has neither a "${latencyColumn}" column (a per-request latency CSV) nor Locust's "Name" and percentile columns; columns found: ${header.map((h) => quoteCell(h)).join(', ')}.`,
    `Write one row per request with a ${latencyColumn} column (and ${costColumn} if known), or attach Locust's <prefix>_stats.csv as load_test_stats.csv.`,
  );
}

function locustEvidence(
  file: string,
  header: string[],
  row: string[] | undefined,
): LoadTestEvidence {
  if (row === undefined) {
    throw evidenceError(
      { file },
      'has no "Aggregated" row, so there are no whole-test figures.',
      'Attach the _stats.csv Locust wrote at the end of the run (locust --csv load_test --headless).',
    );
  }
  const figures: Record<string, number> = {};
  header.forEach((name, i) => {
    const text = row[i] ?? '';
    if (!locustFigure.test(name) || text === 'N/A') return;
    const value = parseDecimalText(text);
    if (!Number.isFinite(value) || value < 0) {
      throw evidenceError(
        { file, field: name },
        `the Aggregated row's "${name}" is ${quoteCell(text)}, not a response time in milliseconds.`,
        'Attach the _stats.csv exactly as Locust wrote it.',
      );
    }
    figures[name] = value;
  });
  const count = parseDecimalText(row[header.indexOf('Request Count')] ?? '');
  const requests = Number.isInteger(count) ? count : undefined;
  return {
    source: file,
    format: 'locust-stats',
    summary: { figures, ...(requests !== undefined ? { requests } : {}) },
  };
}

/** Reads a per-request latency CSV or a Locust stats CSV, chosen by its header. */
export async function readLoadTestCsv(
  file: string,
  files: EvidenceFiles = diskEvidenceFiles,
): Promise<LoadTestEvidence> {
  let parser: Parser | undefined;
  const latencies = new GrowableFloat64();
  const costs = new GrowableFloat64();
  await scanCsvFile(
    file,
    (buf, fields, record) => {
      if (record === 0) {
        const header = Array.from({ length: fields.count }, (_, i) => decodeField(buf, fields, i));
        parser = headerParser(header, file);
        return;
      }
      if (parser?.kind === 'locust') {
        // The field arrays are reused between records: read "Name" only when this row has it.
        if (fields.count > 1 && decodeField(buf, fields, 1) === 'Aggregated') {
          parser.aggregated = Array.from({ length: fields.count }, (_, i) =>
            decodeField(buf, fields, i),
          );
        }
        return;
      }
      if (parser === undefined) return;
      if (fields.count !== parser.columns) {
        throw evidenceError(
          { file, row: record },
          `has ${fields.count} fields but the header has ${parser.columns}.`,
          'Give every row one value per header column.',
        );
      }
      latencies.push(
        sampleAt(buf, fields, parser.latency, { file, row: record, field: latencyColumn }),
      );
      if (parser.cost >= 0) {
        costs.push(sampleAt(buf, fields, parser.cost, { file, row: record, field: costColumn }));
      }
    },
    undefined,
    files,
  );
  if (parser === undefined) {
    throw evidenceError({ file }, 'is empty.', `Write a header row with ${latencyColumn}.`);
  }
  if (parser.kind === 'locust') return locustEvidence(file, parser.header, parser.aggregated);
  if (latencies.length === 0) {
    throw evidenceError(
      { file },
      'has no data rows, so there are no request latencies.',
      'Write one row per request of the load test.',
    );
  }
  return {
    source: file,
    format: 'latency-csv',
    latenciesMs: latencies.toArray(),
    ...(parser.cost >= 0 ? { costsUsd: costs.toArray() } : {}),
  };
}
