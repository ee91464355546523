// Checkpoint signing at scale on one build (bench/results/audit-before-after.md, session 9):
// `DIST=<build> node scripts/audit-sign-ab.mjs DIR ROUNDS` on a log kept by bench/audit-10m.ts
// (BENCH_AUDIT_PROOF_KEEP=DIR). Each round appends 1,000 entries through the repository, signs a
// checkpoint, then appends one entry in a transaction of its own (the floor: one fsync'd commit),
// and prints the medians of wall and CPU milliseconds. Run it for two builds in turn (before,
// after, before, after) to compare them on the same log.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = process.env.DIST ?? 'dist';
const at = (path) => pathToFileURL(resolve(dist, path)).href;
const { signAuditCheckpoint } = await import(at('src/app/index.js'));
const { loadAuditSigner } = await import(at('src/compose.js'));
const { loadConfig } = await import(at('src/config.js'));
const { createStore } = await import(at('src/store/index.js'));
const { depsFor } = await import(at('bench/bench-deps.js'));
const dir = process.argv[2] ?? '/tmp/clearance-audit-10m';
const rounds = Number(process.argv[3] ?? 12);
const file = resolve(dir, 'audit.db');
const store = await createStore({ engine: 'sqlite', file, synchronous: 'FULL' });
const deps = depsFor(store, dir);
const log = loadAuditSigner(loadConfig({ env: {}, flags: { dataDir: dir } }));
await signAuditCheckpoint(deps, log);
let count = await store.read((tx) => tx.audit.size());
const cpu = () => {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1e3;
};
async function append(n) {
  await store.transaction(async (tx) => {
    for (let i = count; i < count + n; i++) {
      await tx.audit.append({
        time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
        actor: { id: `user-${i % 50}`, kind: 'user' },
        action: 'approval.recorded',
        subject: { type: 'request', id: `req-${Math.floor(i / 5)}` },
        reason: 'benchmark entry',
        digests: {},
        data: { role: 'risk_officer', n: i },
      });
    }
  });
  count += n;
}
async function timed(work) {
  const c = cpu();
  const t = performance.now();
  await work();
  return { wall: performance.now() - t, cpu: cpu() - c };
}
const signs = [];
const floors = [];
for (let round = 0; round < rounds; round++) {
  await append(1000);
  signs.push(await timed(() => signAuditCheckpoint(deps, log)));
  floors.push(await timed(() => append(1)));
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (list, key) => median(list.map((x) => x[key])).toFixed(1);
console.log(
  `${dist}, median of ${rounds} at ${count.toLocaleString('en-US')} entries: sign ${ms(signs, 'wall')} / ${ms(signs, 'cpu')} ms wall / CPU, floor ${ms(floors, 'wall')} / ${ms(floors, 'cpu')} ms`,
);
await store.close();
