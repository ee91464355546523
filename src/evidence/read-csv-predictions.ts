/** CSV predictions: stream bytes → record spans → typed arrays, parsing only the needed columns. */

import type { PredictionTable } from '../domain/index.js';
import { CsvFastRows, type FastLayout } from './csv-fast-rows.js';
import { type CsvFields, decodeField, PLAIN } from './csv-record-scanner.js';
import { evidenceError } from './evidence-error.js';
import { diskEvidenceFiles, type EvidenceFiles } from './evidence-files.js';
import type { DictionaryBuilder, GrowableFloat64 } from './growable-arrays.js';
import {
  assertColumnsPresent,
  invalidLabel,
  invalidNumber,
  labelFromText,
  PredictionColumns,
  type ReadPredictionsOptions,
} from './prediction-columns.js';
import { scanCsvFile } from './scan-csv-file.js';

const ZERO = 48;
const ONE = 49;

/** Column positions resolved from the header; -1 when not requested. */
type Layout = FastLayout;

export async function readCsvPredictions(
  file: string,
  options: ReadPredictionsOptions,
): Promise<PredictionTable> {
  const columns = new PredictionColumns(file, options, await estimateRows(file, options.files));
  const fast = new CsvFastRows(columns);
  let layout: Layout | undefined;
  const records = await scanCsvFile(
    file,
    (buf, fields, record) => {
      if (record === 0) {
        layout = readHeader(buf, fields, file, options);
        fast.configure(layout);
      } else addRow(buf, fields, record, layout!, columns);
    },
    options.onProgress,
    options.files,
    fast,
  );
  if (records === 0) {
    throw evidenceError(
      { file },
      'is empty: a header row naming the columns is required.',
      `Write a header such as "${options.label},${options.score}" followed by one row per example.`,
    );
  }
  return columns.finish();
}

function readHeader(
  buf: Buffer,
  fields: CsvFields,
  file: string,
  options: ReadPredictionsOptions,
): Layout {
  const names: string[] = [];
  for (let i = 0; i < fields.count; i++) names.push(decodeField(buf, fields, i).trim());
  assertColumnsPresent(file, names, options, { line: 1 });
  const at = (name: string | undefined): number => (name === undefined ? -1 : names.indexOf(name));
  return {
    width: names.length,
    label: at(options.label),
    score: at(options.score),
    baseline: at(options.baselineScore),
    id: at(options.idColumn),
    groups: (options.groupColumns ?? []).map((g) => names.indexOf(g)),
    groupBytes: (options.groupColumns ?? []).map(() => []),
  };
}

function addRow(
  buf: Buffer,
  f: CsvFields,
  row: number,
  layout: Layout,
  out: PredictionColumns,
): void {
  const { file, options } = out;
  if (f.count !== layout.width) {
    throw evidenceError(
      { file, row },
      `has ${f.count} field${f.count === 1 ? '' : 's'} but the header has ${layout.width}.`,
      'Give every row as many comma-separated fields as the header; quote fields that contain commas.',
    );
  }
  const l = layout.label;
  if (out.labels) {
    const start = f.starts[l]!;
    const c = buf[start];
    // Fast path for the common single-character 0/1.
    if (f.ends[l] === start + 1 && (c === ZERO || c === ONE)) out.pushLabel(c - ZERO);
    else {
      const text = decodeField(buf, f, l);
      const value = labelFromText(text);
      if (value < 0) throw invalidLabel(file, { row }, options.label, text);
      out.pushLabel(value);
    }
  } else {
    pushNumber(buf, f, l, row, out.targets!, out, 'regression target');
  }
  pushNumber(buf, f, layout.score, row, out.scores, out, 'score');
  if (out.baseline) pushNumber(buf, f, layout.baseline, row, out.baseline, out, 'baseline score');
  if (out.ids) out.ids.push(decodeField(buf, f, layout.id));
  for (let g = 0; g < layout.groups.length; g++) {
    addGroupValue(buf, f, layout.groups[g]!, out.groups[g]!, layout.groupBytes[g]!);
  }
  out.rows++;
}

/** Dictionaries up to this size are matched on raw bytes, skipping a string decode per row. */
const SMALL_DICTIONARY = 64;

/** `known[v]` holds the bytes of `dict.values[v]` while the dictionary is small and all-ASCII-plain. */
function addGroupValue(
  buf: Buffer,
  f: CsvFields,
  i: number,
  dict: DictionaryBuilder,
  known: Buffer[],
): void {
  const start = f.starts[i]!;
  const length = f.ends[i]! - start;
  const plain = f.kind[i] === PLAIN;
  if (plain && known.length === dict.values.length) {
    for (let v = 0; v < known.length; v++) {
      const candidate = known[v]!;
      if (candidate.length !== length) continue;
      let k = 0;
      while (k < length && candidate[k] === buf[start + k]) k++;
      if (k === length) {
        dict.pushCode(v);
        return;
      }
    }
  }
  const before = dict.values.length;
  dict.push(decodeField(buf, f, i));
  if (
    plain &&
    before === known.length &&
    dict.values.length > before &&
    before < SMALL_DICTIONARY
  ) {
    known.push(Buffer.from(buf.subarray(start, start + length)));
  }
}

/** Appends field `i` to `column`, or throws the invalid-number refusal for `role`. */
function pushNumber(
  buf: Buffer,
  f: CsvFields,
  i: number,
  row: number,
  column: GrowableFloat64,
  out: PredictionColumns,
  role: 'score' | 'baseline score' | 'regression target',
): void {
  if (column.pushDecimal(buf, f.starts[i]!, f.ends[i]!)) return;
  const name =
    role === 'score'
      ? out.options.score
      : role === 'baseline score'
        ? out.options.baselineScore!
        : out.options.label;
  throw invalidNumber(out.file, { row }, name, decodeField(buf, f, i), role);
}

/** Rows guessed from the line density of the first 64 KiB, so arrays rarely need to double. */
async function estimateRows(
  file: string,
  files: EvidenceFiles = diskEvidenceFiles,
): Promise<number> {
  const handle = await files.open(file);
  try {
    const { size } = handle;
    const sample = Buffer.alloc(Math.min(size, 1 << 16));
    const bytesRead = await handle.read(sample, 0, sample.length, 0);
    let lines = 0;
    for (let i = sample.indexOf(10); i !== -1 && i < bytesRead; i = sample.indexOf(10, i + 1))
      lines++;
    if (lines === 0 || bytesRead === 0) return 1024;
    return Math.ceil((size / bytesRead) * lines * 1.02);
  } finally {
    await handle.close();
  }
}
