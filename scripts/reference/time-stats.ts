// Hand-run timing of the large-input statistics (not a test):
//   npx tsx scripts/reference/time-stats.ts [rows=10000000]
// Prints wall time and RSS/heap growth per call on seeded data with ties.
import {
  createRng,
  delongPaired,
  ksStatistic,
  rocAuc,
  scoreOrder,
  weightedAuc,
} from '../../src/stats/index.js';

const n = Number(process.argv[2] ?? 10_000_000);
const rng = createRng(7);
const labels = new Uint8Array(n);
const a = new Float64Array(n);
const b = new Float64Array(n);
for (let i = 0; i < n; i++) {
  const y = rng.nextFloat() < 0.1 ? 1 : 0;
  labels[i] = y;
  const latent = rng.nextFloat();
  // Rounded to 4 decimals: heavy ties, as real model scores often have.
  a[i] = Math.round((0.7 * latent + 0.3 * rng.nextFloat() + 0.15 * y) * 1e4) / 1e4;
  b[i] = 0.6 * latent + 0.4 * rng.nextFloat() + 0.1 * y;
}

function time<T>(label: string, f: () => T): T {
  const before = process.memoryUsage();
  const t0 = performance.now();
  const out = f();
  const ms = performance.now() - t0;
  const after = process.memoryUsage();
  const mb = (x: number) => (x / 2 ** 20).toFixed(0);
  console.log(
    `${label.padEnd(28)} ${ms.toFixed(0).padStart(6)} ms   rss ${mb(after.rss)} MB (Δ ${mb(after.rss - before.rss)})`,
  );
  return out;
}

console.log(`rows: ${n}`);
// Round 1 pays first-touch page faults of the shared scratch; round 2 shows the steady state.
for (const round of [1, 2]) {
  const t0 = performance.now();
  time(`rocAuc (round ${round})`, () => rocAuc(labels, a));
  time(`ksStatistic (round ${round})`, () => ksStatistic(labels, a));
  time(`delongPaired (round ${round})`, () => delongPaired(labels, a, b));
  console.log(`total of the three, round ${round}: ${(performance.now() - t0).toFixed(0)} ms`);
}
const auc = rocAuc(labels, a);
const ks = ksStatistic(labels, a);
const cmp = delongPaired(labels, a, b);
const order = time('scoreOrder (radix argsort)', () => scoreOrder(a));
const w = new Uint32Array(n).fill(1);
time('weightedAuc (one replicate)', () => weightedAuc(labels, a, order, w));
console.log({ auc, ks, z: cmp.z, se: cmp.se });
