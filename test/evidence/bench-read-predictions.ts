/**
 * By-hand throughput check for readPredictions (not a timed test: CI machines vary).
 *   npx tsx test/evidence/bench-read-predictions.ts [rows]
 * Writes a 4-column CSV (label, score, baseline_score, group) under os.tmpdir(), reads it, prints
 * rows/s and MB/s, and deletes it.
 */
import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPredictions } from '../../src/evidence/index.js';

const rows = Number(process.argv[2] ?? 10_000_000);
const file = join(tmpdir(), `clearance-bench-${process.pid}.csv`);

async function writeCsv(): Promise<void> {
  const out = createWriteStream(file);
  const groups = ['female', 'male', 'nonbinary'];
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  out.write('label,score,baseline_score,group\n');
  let batch = '';
  for (let i = 0; i < rows; i++) {
    const label = random() < 0.3 ? 1 : 0;
    batch += `${label},${random().toFixed(6)},${random().toFixed(6)},${groups[i % 3]}\n`;
    if (batch.length > 1 << 20) {
      if (!out.write(batch)) await new Promise<void>((r) => out.once('drain', () => r()));
      batch = '';
    }
  }
  out.end(batch);
  await new Promise<void>((r) => out.once('finish', () => r()));
}

await writeCsv();
try {
  const { size } = await stat(file);
  const before = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  const table = await readPredictions(file, {
    label: 'label',
    score: 'score',
    baselineScore: 'baseline_score',
    groupColumns: ['group'],
    task: 'binary-classification',
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rss = process.memoryUsage().rss;
  console.log(
    JSON.stringify({
      rows: table.rowCount,
      megabytes: +(size / 1e6).toFixed(1),
      seconds: +seconds.toFixed(2),
      rowsPerSecond: Math.round(table.rowCount / seconds),
      megabytesPerSecond: +(size / 1e6 / seconds).toFixed(1),
      rssMegabytes: Math.round(rss / 1e6),
      rssGrowthMegabytes: Math.round((rss - before) / 1e6),
    }),
  );
} finally {
  await rm(file, { force: true });
}
