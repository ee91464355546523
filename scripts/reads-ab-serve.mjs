// Before/after reads on two builds at once (bench/results/reads-before-after.md, session 7): seeds a
// SQLite registry like bench/http-reads.ts (models of 200 and 1,000 versions), serves it on
// loopback and writes {url, token} to $INFO. `DIST` names the build (default ./dist, after
// `npm run build`; a copy of an older build for "before"). PROFILE=1: SIGUSR2 starts and stops a
// CPU profile (/tmp/reads-prof-N.cpuprofile). Drive two of these with scripts/reads-ab.mjs.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = pathToFileURL(`${process.env.DIST ?? 'dist'}/src/`);
const { bootstrapAdmin, importProduction, registerModel, registerPolicy, registerVersion } =
  await import(new URL('app/index.js', dist).href);
const { openRegistry, startServer } = await import(new URL('compose.js', dist).href);
const { loadConfig } = await import(new URL('config.js', dist).href);
const policy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: bench-reads, riskTier: medium }
roles: [model_owner, tech_lead, admin]
transitions:
  - from: draft
    to: staging
    requestedBy: [model_owner]
    approvals: [{ role: tech_lead }]
`;
const sha = (t) => `sha256:${createHash('sha256').update(t).digest('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'clearance-prof-'));
const config = loadConfig({
  env: {},
  flags: { dataDir: dir, host: '127.0.0.1', port: 0, sqliteSynchronous: 'normal' },
});
const registry = await openRegistry(config);
const { user, token } = await bootstrapAdmin(registry.deps, { userId: 'bench.admin' });
const admin = { id: user.id, kind: 'user', roles: [{ role: 'admin' }] };
const { digest } = await registerPolicy(registry.deps, admin, { text: policy });
for (const [name, n] of [
  ['m200', 200],
  ['m1000', Number(process.env.N1000 ?? 1000)],
]) {
  await registerModel(registry.deps, admin, {
    name,
    ownerTeam: 'bench',
    riskTier: 'medium',
    policyDigest: digest,
  });
  for (let i = 0; i < n; i++) {
    const version = `1.0.${i}`;
    await registerVersion(registry.deps, admin, {
      model: name,
      version,
      artifactUri: `s3://models/${name}/${version}`,
      artifactDigest: sha(`${name}@${version}`),
      lineage: {
        codeCommit: createHash('sha1').update(version).digest('hex'),
        dataSnapshotId: `snap-${i}`,
        configDigest: sha(`cfg-${i}`),
        seed: i,
      },
    });
  }
  await importProduction(registry.deps, admin, { model: name, version: '1.0.0', reason: 'seed' });
}
const server = await startServer(registry);
writeFileSync(
  process.env.INFO ?? 'reads-server.json',
  JSON.stringify({ url: server.url, token: token.token }),
);
process.stderr.write(`serving ${server.url}\n`);

import { Session } from 'node:inspector/promises';

const session = new Session();
if (process.env.PROFILE) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
}
let profiling = false;
let n = 0;
process.on('SIGUSR2', async () => {
  if (!profiling) {
    profiling = true;
    await session.post('Profiler.start');
    process.stderr.write('profiling\n');
    return;
  }
  profiling = false;
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(`/tmp/reads-prof-${n++}.cpuprofile`, JSON.stringify(profile));
  process.stderr.write('saved\n');
});
process.on('SIGINT', async () => {
  await server.close();
  process.exit(0);
});
