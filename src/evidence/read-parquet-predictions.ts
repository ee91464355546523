/**
 * Parquet predictions via hyparquet, one row group at a time and only the needed columns, so
 * memory holds one row group's decoded columns plus the output typed arrays.
 */

import {
  type AsyncBuffer,
  type ColumnData,
  parquetMetadataAsync,
  parquetRead,
  parquetSchema,
} from 'hyparquet';
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
  requiredColumns,
} from './prediction-columns.js';

export async function readParquetPredictions(
  file: string,
  options: ReadPredictionsOptions,
): Promise<PredictionTable> {
  const handle = await (options.files ?? diskEvidenceFiles).open(file);
  try {
    const { size } = handle;
    // hyparquet's own asyncBufferFromFile opens a stream per slice; one handle is cheaper.
    const buffer: AsyncBuffer = {
      byteLength: size,
      async slice(start: number, end = size) {
        const bytes = new Uint8Array(end - start);
        await handle.read(bytes, 0, bytes.length, start);
        return bytes.buffer;
      },
    };
    let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
    try {
      metadata = await parquetMetadataAsync(buffer);
    } catch (error) {
      throw evidenceError(
        { file },
        `is not a readable Parquet file (${(error as Error).message}).`,
        'Write the file with a standard Parquet writer (pyarrow, polars, Spark) or save predictions as CSV.',
        error,
      );
    }
    const names = parquetSchema(metadata).children.map((c) => c.element.name);
    assertColumnsPresent(file, names, options);
    const columns = requiredColumns(options);
    const out = new PredictionColumns(file, options, Number(metadata.num_rows));
    let groupStart = 0;
    let bytesDone = 0;
    for (const group of metadata.row_groups) {
      const rows = Number(group.num_rows);
      const data = new Map<string, unknown[]>(columns.map((c) => [c, new Array<unknown>(rows)]));
      const onChunk = (chunk: ColumnData): void => {
        const target = data.get(chunk.columnName);
        if (!target) return;
        const values = chunk.columnData as ArrayLike<unknown>;
        for (let k = 0; k < values.length; k++) {
          const at = chunk.rowStart + k - groupStart;
          if (at >= 0 && at < rows) target[at] = values[k];
        }
      };
      try {
        await parquetRead({
          file: buffer,
          metadata,
          columns,
          rowStart: groupStart,
          rowEnd: groupStart + rows,
          onChunk,
        });
      } catch (error) {
        throw evidenceError(
          { file, row: groupStart + 1 },
          `could not be decoded (${(error as Error).message}).`,
          'Rewrite the file with an uncompressed, snappy or gzip codec and plain column types, or save predictions as CSV.',
          error,
        );
      }
      for (let i = 0; i < rows; i++) addRow(data, i, groupStart + i + 1, out);
      groupStart += rows;
      bytesDone += Number(group.total_compressed_size ?? group.total_byte_size);
      options.onProgress?.(Math.min(bytesDone, size), size);
    }
    return out.finish();
  } finally {
    await handle.close();
  }
}

function addRow(
  data: Map<string, unknown[]>,
  i: number,
  row: number,
  out: PredictionColumns,
): void {
  const { options, file } = out;
  const cell = (name: string): unknown => data.get(name)![i];
  if (out.labels) {
    const value = labelOf(cell(options.label));
    if (value < 0) throw invalidLabel(file, { row }, options.label, display(cell(options.label)));
    out.pushLabel(value);
  } else {
    out.targets!.push(numberOf(cell(options.label), row, options.label, out, 'regression target'));
  }
  out.scores.push(numberOf(cell(options.score), row, options.score, out, 'score'));
  if (out.baseline) {
    const name = options.baselineScore!;
    out.baseline.push(numberOf(cell(name), row, name, out, 'baseline score'));
  }
  if (out.ids) out.ids.push(text(cell(options.idColumn!)));
  (options.groupColumns ?? []).forEach((name, g) => {
    out.groups[g]!.push(text(cell(name)));
  });
  out.rows++;
}

function labelOf(value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'bigint') {
    const n = Number(value);
    return n === 0 || n === 1 ? n : -1;
  }
  return typeof value === 'string' ? labelFromText(value) : -1;
}

function numberOf(
  value: unknown,
  row: number,
  column: string,
  out: PredictionColumns,
  role: 'score' | 'baseline score' | 'regression target',
): number {
  const n =
    typeof value === 'number' || typeof value === 'bigint'
      ? Number(value)
      : typeof value === 'string' && value.trim() !== ''
        ? parseDecimalText(value)
        : Number.NaN;
  if (Number.isFinite(n)) return n;
  if (value === null || value === undefined)
    throw invalidNumber(out.file, { row }, column, '', role);
  if (typeof value === 'number' || typeof value === 'string') {
    throw invalidNumber(out.file, { row }, column, String(value), role);
  }
  throw evidenceError(
    { file: out.file, row, field: column },
    `${role} ${quoteCell(display(value))} is not a number.`,
    'Store the column as a floating-point (DOUBLE/FLOAT) column.',
  );
}

function display(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : String(value);
}

function text(value: unknown): string {
  return display(value);
}
