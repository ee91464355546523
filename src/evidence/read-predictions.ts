/** The one entry point for prediction files; the extension picks the format. */
import { extname } from 'node:path';
import type { PredictionTable } from '../domain/index.js';
import { evidenceError } from './evidence-error.js';
import type { ReadPredictionsOptions } from './prediction-columns.js';
import { readCsvPredictions } from './read-csv-predictions.js';
import { readJsonlPredictions } from './read-jsonl-predictions.js';

export type { PredictionTask, ReadPredictionsOptions } from './prediction-columns.js';

export const predictionExtensions = ['.csv', '.jsonl', '.ndjson', '.parquet'] as const;

/**
 * Reads predictions on the locked evaluation set into typed arrays. Streams the file, so size is
 * bounded by the arrays (≈ 17 bytes a row for label + score + baseline), not by the text.
 * Throws `ClearanceError('invalid_evidence')` naming file, row and column for any bad cell.
 */
export async function readPredictions(
  path: string,
  options: ReadPredictionsOptions,
): Promise<PredictionTable> {
  const ext = extname(path).toLowerCase();
  switch (ext) {
    case '.csv':
      return readCsvPredictions(path, options);
    case '.jsonl':
    case '.ndjson':
      return readJsonlPredictions(path, options);
    case '.parquet': {
      // hyparquet is a third of `clearance check`'s start-up; only Parquet evidence loads it.
      const { readParquetPredictions } = await import('./read-parquet-predictions.js');
      return readParquetPredictions(path, options);
    }
    default:
      throw evidenceError(
        { file: path },
        `has extension "${ext}", which is not a predictions format.`,
        `Save predictions as ${predictionExtensions.join(', ')}.`,
      );
  }
}
