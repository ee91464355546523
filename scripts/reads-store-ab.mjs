// Store-level before/after of the registry's hot reads, in one process (bench/results/
// reads-before-after.md, session 7): two builds' stores on one SQLite file of 1,000 versions, the
// same reads alternated between them, CPU per read (median of 6 slices). BEFORE names the older
// build's dist directory (a copy made before rebuilding); the newer one is ./dist.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const storeOf = (dist) => import(pathToFileURL(resolve(dist, 'src/store/index.js')).href);
const A = await storeOf(process.env.BEFORE ?? 'dist-before');
const B = await storeOf('dist');
const file = join(mkdtempSync(join(tmpdir(), 'reads-store-ab-')), 'db.sqlite');
const sa = await A.createStore({ engine: 'sqlite', file, synchronous: 'NORMAL' });
const at = (i) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
await sa.transaction(async (tx) => {
  await tx.policies.insert({
    digest: 'd',
    name: 'p',
    text: 't',
    registeredAt: at(0),
    registeredBy: 'a',
  });
  await tx.models.insert({
    name: 'm',
    ownerTeam: 't',
    riskTier: 'low',
    policyDigest: 'd',
    createdAt: at(0),
    createdBy: 'a',
  });
  for (let i = 0; i < 1000; i++) {
    const v = {
      model: 'm',
      version: `1.0.${i}`,
      artifactUri: 's3://x',
      artifactDigest: `sha256:${'a'.repeat(64)}`,
      lineage: { codeCommit: 'abc', seed: i, dataSnapshotId: `s${i}` },
      createdAt: at(i),
      createdBy: 'a',
    };
    await tx.versions.insert(v, { model: 'm', version: v.version, state: 'draft', since: at(i) });
  }
});
const sb = await B.createStore({ engine: 'sqlite', file, synchronous: 'NORMAL' });

const reads = {
  // What GET …/versions?limit=100&after=1.0.499 reads: model, anchor, 101 rows.
  page: (store) =>
    store.read(async (tx) => {
      await tx.models.get('m');
      const after = await tx.versions.get('m', '1.0.499');
      return tx.versions.page('m', { limit: 101, after });
    }),
  model: (store) => store.readOne((tx) => tx.models.get('m')),
  version: (store) => store.readOne((tx) => tx.versions.get('m', '1.0.7')),
  epoch: (store) => store.readOne((tx) => tx.identity.epoch()),
};

async function perRead(store, read, n) {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) await read(store);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

console.log('| read | before µs/read | after µs/read |\n| --- | ---: | ---: |');
for (const [name, read] of Object.entries(reads)) {
  const n = name === 'page' ? 300 : 5000;
  await perRead(sa, read, n / 5);
  await perRead(sb, read, n / 5);
  const slices = { A: [], B: [] };
  // Alternating which goes first: one heap, so a slice pays for the garbage the previous left.
  for (let i = 0; i < 6; i++) {
    const order = i % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
    for (const which of order) slices[which].push(await perRead(which === 'A' ? sa : sb, read, n));
  }
  const median = (list) => list.sort((x, y) => x - y)[2].toFixed(1);
  console.log(`| ${name} | ${median(slices.A)} | ${median(slices.B)} |`);
}
await sa.close();
await sb.close();
