/**
 * The typed-array sink every predictions reader (CSV, JSONL, Parquet) fills row by row, and the
 * checks that need the whole file: empty file, and a single class (AUC undefined).
 */

import type { PredictionTable } from '../domain/index.js';
import { evidenceError, quoteCell } from './evidence-error.js';
import type { EvidenceFiles } from './evidence-files.js';
import { DictionaryBuilder, GrowableFloat64, GrowableUint8 } from './growable-arrays.js';
import { parseDecimalText } from './parse-decimal.js';

export type PredictionTask = 'binary-classification' | 'regression';

export interface ReadPredictionsOptions {
  /** Column holding the truth: 0/1 (true/false) for classification, a number for regression. */
  label: string;
  /** Column holding the model's score (higher = more likely positive) or prediction. */
  score: string;
  /** Column holding the production model's score on the same rows. */
  baselineScore?: string;
  idColumn?: string;
  /** Categorical columns to keep (sensitive attributes for fairness gates). */
  groupColumns?: string[];
  task: PredictionTask;
  /** Called after each chunk read; large files can drive a progress bar with it. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Where the file is read from; on disk unless given. */
  files?: EvidenceFiles;
}

/** The columns a reader needs, in a fixed order: label, score, [baseline], [id], groups… */
export function requiredColumns(options: ReadPredictionsOptions): string[] {
  const columns = [options.label, options.score];
  if (options.baselineScore !== undefined) columns.push(options.baselineScore);
  if (options.idColumn !== undefined) columns.push(options.idColumn);
  for (const group of options.groupColumns ?? []) columns.push(group);
  return [...new Set(columns)];
}

/** Throws the "missing column" refusal listing what the file does have. */
export function assertColumnsPresent(
  file: string,
  found: readonly string[],
  options: ReadPredictionsOptions,
  where: { row?: number; line?: number } = {},
): void {
  const have = new Set(found);
  const missing = requiredColumns(options).filter((c) => !have.has(c));
  if (missing.length === 0) return;
  const listed = found.length > 0 ? found.map((c) => JSON.stringify(c)).join(', ') : '(none)';
  throw evidenceError(
    { file, ...where, field: missing[0]! },
    `missing column${missing.length > 1 ? 's' : ''} ${missing.map((c) => JSON.stringify(c)).join(', ')}; columns found: ${listed}.`,
    'Rename the column in the file, or point the evaluation set (label/score/baselineScore/id_column) or the group columns at an existing one.',
  );
}

export class PredictionColumns {
  readonly labels: GrowableUint8 | undefined;
  readonly targets: GrowableFloat64 | undefined;
  readonly scores: GrowableFloat64;
  readonly baseline: GrowableFloat64 | undefined;
  readonly ids: string[] | undefined;
  readonly groups: DictionaryBuilder[];
  positives = 0;
  rows = 0;

  constructor(
    readonly file: string,
    readonly options: ReadPredictionsOptions,
    capacity: number,
  ) {
    const classification = options.task === 'binary-classification';
    this.labels = classification ? new GrowableUint8(capacity) : undefined;
    this.targets = classification ? undefined : new GrowableFloat64(capacity);
    this.scores = new GrowableFloat64(capacity);
    this.baseline = options.baselineScore === undefined ? undefined : new GrowableFloat64(capacity);
    this.ids = options.idColumn === undefined ? undefined : [];
    this.groups = (options.groupColumns ?? []).map(() => new DictionaryBuilder(capacity));
  }

  pushLabel(value: number): void {
    this.positives += value;
    this.labels!.push(value);
  }

  /** Builds the table after the whole-file checks. */
  finish(): PredictionTable {
    const { file, options } = this;
    if (this.rows === 0) {
      throw evidenceError(
        { file },
        'has no data rows (the file is empty or holds only a header).',
        'Write one row per example of the locked evaluation set.',
      );
    }
    if (this.labels && (this.positives === 0 || this.positives === this.rows)) {
      const only = this.positives === 0 ? 0 : 1;
      throw evidenceError(
        { file, field: options.label },
        `every one of the ${this.rows} rows has label ${only}: with one class present AUC, KS and true/false positive rates are undefined.`,
        'Evaluate on a set that contains both positive (1) and negative (0) examples.',
      );
    }
    const table: PredictionTable = {
      source: file,
      rowCount: this.rows,
      scores: this.scores.toArray(),
      groups: {},
    };
    if (this.labels) table.labels = this.labels.toArray();
    if (this.targets) table.targets = this.targets.toArray();
    if (this.baseline) table.baselineScores = this.baseline.toArray();
    if (this.ids) table.ids = this.ids;
    (options.groupColumns ?? []).forEach((name, i) => {
      table.groups[name] = this.groups[i]!.toColumn();
    });
    return table;
  }
}

/** Label text (already decoded) → 0/1, or -1 when it is not one of the accepted spellings. */
export function labelFromText(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === 'true') return 1;
  if (t === 'false') return 0;
  const n = parseDecimalText(t);
  return n === 0 || n === 1 ? n : -1;
}

export function invalidLabel(
  file: string,
  where: { row?: number; line?: number },
  column: string,
  raw: string,
): Error {
  return evidenceError(
    { file, ...where, field: column },
    `label ${quoteCell(raw)} is not a binary class (accepted: 0, 1, true, false); this is the first row with it.`,
    'Binary classification needs labels 0/1: map the positive class to 1 and every other class to 0, or declare task: regression.',
  );
}

/** Why a numeric cell was rejected, in words; the reader adds where. */
export function invalidNumber(
  file: string,
  where: { row?: number; line?: number },
  column: string,
  raw: string,
  role: 'score' | 'baseline score' | 'regression target',
): Error {
  const t = raw.trim().toLowerCase();
  const nonFinite =
    /^[+-]?(nan|inf|infinity)$/.test(t) ||
    (Number.isFinite(parseDecimalText(t)) === false && !Number.isNaN(parseDecimalText(t)));
  const what =
    t === ''
      ? `${role} is empty`
      : nonFinite
        ? `${role} ${quoteCell(raw)} is not finite (NaN and Infinity cannot be ranked or averaged)`
        : `${role} ${quoteCell(raw)} is not a number`;
  return evidenceError(
    { file, ...where, field: column },
    `${what}.`,
    role === 'regression target'
      ? 'Every row needs a finite numeric target; drop rows without ground truth from the evaluation set.'
      : 'Every row needs a finite decimal number (e.g. 0.37); fix or drop the row and regenerate the file.',
  );
}
