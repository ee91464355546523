// Before/after `audit verify` of a live SQLite audit log on two builds in one process
// (bench/results/audit-before-after.md, session 9): `node scripts/audit-verify-ab.mjs DIR ROUNDS`
// with BEFORE and AFTER naming the builds (default: ./dist for both; a copy of an older build's
// dist for "before"). DIR holds a log written by bench/audit-live.ts's `liveAuditAtScale` (its
// audit.db and signing key). Each round measures the SHA-256 ceiling of the same entries (leaf
// inputs and interior nodes, inputs prepared untimed), then verify with BEFORE, then with AFTER,
// and prints wall and CPU seconds (process.cpuUsage) with each one's share of the ceiling.
import { hash } from 'node:crypto';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';

const dir = process.argv[2] ?? '/tmp/clearance-live-audit';
const rounds = Number(process.argv[3] ?? 3);
async function build(dist) {
  const at = (path) => pathToFileURL(resolve(dist, path)).href;
  const { verifyStoredLog } = await import(at('src/app/index.js'));
  const { loadAuditSigner } = await import(at('src/compose.js'));
  const { loadConfig } = await import(at('src/config.js'));
  const { createStore } = await import(at('src/store/index.js'));
  const { depsFor } = await import(at('bench/bench-deps.js'));
  const store = await createStore({ engine: 'sqlite', file: join(dir, 'audit.db') });
  const deps = depsFor(store, dir);
  const log = loadAuditSigner(loadConfig({ env: {}, flags: { dataDir: dir } }));
  const verify = async () => {
    const r = await verifyStoredLog(deps, { log });
    if (!r.result.ok) throw new Error(`${dist}: the log did not verify`);
  };
  return { store, verify };
}
const A = await build(process.env.BEFORE ?? 'dist');
const B = await build(process.env.AFTER ?? 'dist');
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
async function timed(work) {
  const c = cpu();
  const t = performance.now();
  const out = await work();
  return { wall: (performance.now() - t) / 1e3, cpu: cpu() - c, out };
}
// Ceiling inputs: 0x00 ‖ stored text of every entry, read untimed (pages of 10,000).
const db = new Database(join(dir, 'audit.db'), { readonly: true });
const n = db.prepare('select size from audit_head').pluck().get();
function ceilingOnce() {
  let wall = 0;
  let c = 0;
  const stack = [];
  let size = 0;
  const node = Buffer.alloc(65, 1);
  const st = db
    .prepare('select entry from audit_entries where seq >= ? and seq < ? order by seq')
    .pluck();
  for (let f = 0; f < n; f += 10000) {
    const inputs = st
      .all(f, Math.min(n, f + 10000))
      .map((t) => Buffer.concat([Buffer.from([0]), Buffer.from(t)]));
    const c0 = cpu();
    const t0 = performance.now();
    for (const input of inputs) {
      let top = hash('sha256', input, 'buffer');
      for (let m = size; m % 2 === 1; m = Math.floor(m / 2)) {
        node.set(stack.pop(), 1);
        node.set(top, 33);
        top = hash('sha256', node, 'buffer');
      }
      stack.push(top);
      size++;
    }
    wall += (performance.now() - t0) / 1e3;
    c += cpu() - c0;
  }
  return { wall, cpu: c };
}
const lines = [];
for (let r = 1; r <= rounds; r++) {
  const ceil = ceilingOnce();
  const a = await timed(A.verify);
  const b = await timed(B.verify);
  const share = (x) =>
    `${Math.round((100 * ceil.wall) / x.wall)}% wall, ${Math.round((100 * ceil.cpu) / x.cpu)}% CPU`;
  lines.push(
    `| ${r} | ${loadavg()[0].toFixed(1)} | ${ceil.wall.toFixed(2)} / ${ceil.cpu.toFixed(2)} | ${a.wall.toFixed(2)} / ${a.cpu.toFixed(2)} (${share(a)}) | ${b.wall.toFixed(2)} / ${b.cpu.toFixed(2)} (${share(b)}) | ${(a.cpu / b.cpu).toFixed(2)}× CPU, ${(a.wall / b.wall).toFixed(2)}× wall |`,
  );
  console.error(lines.at(-1));
}
console.log(`entries: ${n}`);
console.log(
  '| round | load (1 min) | ceiling: SHA-256 only, wall / CPU s | before (base build): wall / CPU s (share of ceiling) | after (this branch) | before / after |',
);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
for (const l of lines) console.log(l);
await A.store.close();
await B.store.close();
db.close();
