// Interleaved before/after of registry reads on two servers (scripts/reads-ab-serve.mjs, one per
// build): for each route and client count, rounds of [healthz, route] on A then on B (B first in
// odd rounds), so load from elsewhere weighs on both alike; each server's CPU per request from
// /proc/<pid>/stat. Needs Debian's wrk. Usage: PIDS=<pidA>,<pidB> INFOS=<a.json>,<b.json> node
// scripts/reads-ab.mjs (ROUTES, CLIENTS, ROUNDS, SECS optional).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const pids = (process.env.PIDS ?? '').split(',').map(Number);
const infos = (process.env.INFOS ?? '').split(',');
const servers = ['A', 'B'].map((name, i) => ({
  name,
  pid: pids[i],
  ...JSON.parse(readFileSync(infos[i], 'utf8')),
}));
const tick = 1e6 / 100;
const cpu = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * tick;
};
const ms = (t) => {
  const m = /^([\d.]+)(us|ms|s)$/.exec(t);
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
};
function wrk(s, path, c, secs, auth) {
  const before = cpu(s.pid);
  const r = spawnSync(
    'wrk',
    [
      `-t2`,
      `-c${c}`,
      `-d${secs}s`,
      '--latency',
      ...(auth ? ['-H', `Authorization: Bearer ${s.token}`] : []),
      s.url + path,
    ],
    { encoding: 'utf8' },
  );
  const used = cpu(s.pid) - before;
  const o = r.stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(o)[1]);
  const errs = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(o)?.[1] ?? 0);
  return { req: rps * secs, cpu: used, p99: ms(/^\s+99%\s+(\S+)/m.exec(o)[1]), errs };
}
const routes = (process.env.ROUTES ?? 'model,serving,version,list200,page').split(',');
const paths = {
  model: '/api/v1/models/m200',
  serving: '/api/v1/models/m200/serving',
  version: '/api/v1/models/m200/versions/1.0.7',
  list200: '/api/v1/models/m200/versions',
  page: '/api/v1/models/m1000/versions?limit=100&after=1.0.499',
};
const clients = (process.env.CLIENTS ?? '16,64').split(',').map(Number);
const rounds = Number(process.env.ROUNDS ?? 3),
  secs = Number(process.env.SECS ?? 2);
for (const s of servers) for (const r of routes) wrk(s, paths[r], 16, 1, true);
console.log(
  '| route | clients | server | req/s | `/healthz` req/s | share | p99 ms (median) | CPU µs/req | `/healthz` CPU µs/req | CPU share | errors |',
);
console.log('| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const c of clients)
  for (const r of routes) {
    const acc = Object.fromEntries(servers.map((s) => [s.name, { h: [], x: [] }]));
    for (let i = 0; i < rounds; i++) {
      const order = i % 2 ? [...servers].reverse() : servers;
      for (const s of order) {
        acc[s.name].h.push(wrk(s, '/healthz', c, secs, false));
        acc[s.name].x.push(wrk(s, paths[r], c, secs, true));
      }
    }
    for (const s of servers) {
      const { h, x } = acc[s.name];
      const sum = (l, k) => l.reduce((a, b) => a + b[k], 0);
      const cpuR = sum(x, 'cpu') / sum(x, 'req'),
        cpuH = sum(h, 'cpu') / sum(h, 'req');
      const p99 = x.map((y) => y.p99).sort((a, b) => a - b)[Math.floor((x.length - 1) / 2)];
      console.log(
        `| ${r} | ${c} | ${s.name} | ${Math.round(sum(x, 'req') / (secs * rounds))} | ${Math.round(sum(h, 'req') / (secs * rounds))} | ${((100 * sum(x, 'req')) / sum(h, 'req')).toFixed(0)}% | ${p99.toFixed(2)} | ${cpuR.toFixed(0)} | ${cpuH.toFixed(0)} | ${((100 * cpuH) / cpuR).toFixed(0)}% | ${sum(x, 'errs')} |`,
      );
    }
  }
