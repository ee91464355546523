/**
 * Drives a CsvRecordScanner over a file with one reusable buffer: each read lands after the
 * unfinished record carried over, so no chunk is allocated or concatenated per read.
 */

import { type CsvRecordHandler, CsvRecordScanner, type FastRecords } from './csv-record-scanner.js';
import { evidenceError } from './evidence-error.js';
import { diskEvidenceFiles, type EvidenceFiles } from './evidence-files.js';

const BUFFER_BYTES = 4 << 20;
/** A record longer than this is almost surely an unterminated quote, not data. */
const MAX_RECORD_BYTES = 64 << 20;

/** Returns the number of records (header included). */
export async function scanCsvFile(
  file: string,
  onRecord: CsvRecordHandler,
  onProgress?: (bytesRead: number, totalBytes: number) => void,
  files: EvidenceFiles = diskEvidenceFiles,
  fast?: FastRecords,
): Promise<number> {
  const handle = await files.open(file);
  try {
    const { size } = handle;
    const scanner = new CsvRecordScanner(file, onRecord, fast);
    let buf = Buffer.allocUnsafe(Math.min(BUFFER_BYTES, Math.max(size, 1)));
    let carried = 0;
    let position = 0;
    for (;;) {
      if (carried === buf.length) {
        if (buf.length >= MAX_RECORD_BYTES) throw tooLong(file, scanner.records);
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, carried);
        buf = bigger;
      }
      const bytesRead = await handle.read(buf, carried, buf.length - carried, position);
      let start = 0;
      // A UTF-8 byte-order mark (Excel writes one) is not part of the first column name.
      if (position === 0 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
      position += bytesRead;
      const last = bytesRead === 0;
      const end = carried + bytesRead;
      const consumed = start + scanner.scan(buf.subarray(start, end), last);
      onProgress?.(position, size);
      if (last) break;
      carried = end - consumed;
      buf.copy(buf, 0, consumed, end);
    }
    return scanner.records;
  } finally {
    await handle.close();
  }
}

function tooLong(file: string, row: number): Error {
  return evidenceError(
    { file, row },
    `a record is longer than ${MAX_RECORD_BYTES >> 20} MiB, which usually means a quote is never closed.`,
    'Check that every field starting with " ends with " and that quotes inside fields are doubled ("").',
  );
}
