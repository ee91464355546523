// Proofs at scale on one build: `DIST=<build> node scripts/audit-proofs-ab.mjs DIR CALLS` on a
// log kept by bench/audit-10m.ts (BENCH_AUDIT_PROOF_KEEP=DIR). Asks CALLS inclusion and as many
// consistency proofs (after 50 warm-up calls of each, not counted) at seqs and sizes spread over
// the log, and prints the median wall and the mean CPU microseconds of one call of each. Run it for two
// builds in turn (before, after, before, after) to compare them on the same log.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = process.env.DIST ?? 'dist';
const at = (path) => pathToFileURL(resolve(dist, path)).href;
const { consistencyProofBetween, inclusionProofFor } = await import(at('src/app/index.js'));
const { loadAuditSigner } = await import(at('src/compose.js'));
const { loadConfig } = await import(at('src/config.js'));
const { createStore } = await import(at('src/store/index.js'));
const { depsFor } = await import(at('bench/bench-deps.js'));
const dir = process.argv[2] ?? '/tmp/audit-10m-keep';
const calls = Number(process.argv[3] ?? 1000);
const store = await createStore({ engine: 'sqlite', file: resolve(dir, 'audit.db') });
const deps = depsFor(store, dir);
const log = loadAuditSigner(loadConfig({ env: {}, flags: { dataDir: dir } }));
const latest = await store.read((tx) => tx.checkpoints.latest());
const size = latest.size;
const cpu = () => {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1e3;
};
const seqAt = (k) => (Math.floor(((k * 7919) % 1000) * (size / 1000)) + (k % 997)) % size;
const size1At = (k) => Math.max(1, (Math.floor(((k * 104_729) % 1000) * (size / 1000)) + k) % size);
// Wall time per call (its median); CPU time per batch of calls divided by the calls, as
// process.cpuUsage costs tens of microseconds itself.
async function measure(call) {
  for (let k = 0; k < 50; k++) await call(k);
  const walls = [];
  const c = cpu();
  for (let k = 50; k < calls + 50; k++) {
    const t = performance.now();
    await call(k);
    walls.push(1000 * (performance.now() - t));
  }
  const perCall = (1000 * (cpu() - c)) / calls;
  walls.sort((a, b) => a - b);
  return `${walls[Math.floor(calls / 2)].toFixed(0)} / ${perCall.toFixed(0)}`;
}
const results = [];
for (let pass = 0; pass < 2; pass++) {
  results.push(
    `inclusion ${await measure((k) => inclusionProofFor(deps, { seq: seqAt(k), log }))}`,
  );
  results.push(
    `consistency ${await measure((k) => consistencyProofBetween(deps, { size1: size1At(k), log }))}`,
  );
}
console.log(
  `${dist}, ${calls} calls each at ${size.toLocaleString('en-US')} entries, median wall / mean CPU µs: ${results.join(', ')}`,
);
await store.close();
