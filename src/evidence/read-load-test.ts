/**
 * The load-test evidence file, by extension and content: `.csv` a per-request latency CSV or a
 * Locust stats CSV; `.ndjson`/`.jsonl` k6's `--out json` lines; `.json` k6's `--out json` lines
 * too when its first line is one, else a JSON document (kept for expression gates), read as k6's
 * end-of-test summary when it is one.
 */

import { extname } from 'node:path';
import type { LoadTestEvidence } from '../domain/index.js';
import { diskEvidenceFiles, type EvidenceFiles } from './evidence-files.js';
import { isK6Summary, parseK6Summary } from './parse-k6-summary.js';
import { readJsonFile } from './read-json-file.js';
import { isK6OutputLine, readK6Json } from './read-k6-json.js';
import { readLoadTestCsv } from './read-load-test-csv.js';

export interface LoadTestRead {
  loadTest?: LoadTestEvidence;
  /** The parsed JSON document, for expression gates (`.json` files that are not k6 lines). */
  document?: unknown;
}

async function firstLine(file: string, files: EvidenceFiles): Promise<string> {
  const handle = await files.open(file);
  try {
    const buf = Buffer.alloc(64 << 10);
    const bytesRead = await handle.read(buf, 0, buf.length, 0);
    const text = buf.toString('utf8', 0, bytesRead);
    const end = text.indexOf('\n');
    return end < 0 ? text : text.slice(0, end);
  } finally {
    await handle.close();
  }
}

export async function readLoadTest(
  file: string,
  files: EvidenceFiles = diskEvidenceFiles,
): Promise<LoadTestRead> {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') return { loadTest: await readLoadTestCsv(file, files) };
  if (ext === '.ndjson' || ext === '.jsonl') return { loadTest: await readK6Json(file, files) };
  if (isK6OutputLine(await firstLine(file, files))) {
    return { loadTest: await readK6Json(file, files) };
  }
  const { value } = await readJsonFile(file, files);
  return isK6Summary(value)
    ? { loadTest: parseK6Summary(value, file), document: value }
    : { document: value };
}
