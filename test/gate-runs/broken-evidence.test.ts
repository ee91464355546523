/**
 * Whatever is already stored — evidence that upload validation would refuse today, a corrupted
 * blob — a gate run answers gate results, never an exception: unreadable evidence is an `error`
 * of the gates that needed it, and a broken production baseline an `error` of the gates that
 * compare with it only. Evidence is stored directly, bypassing upload, through the server's
 * gate runner (the worker pool), on both engines.
 */
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { requestTransition } from '../../src/app/index.js';
import {
  type EvidenceKind,
  type EvidenceRecord,
  storableTextProblem,
} from '../../src/domain/index.js';
import { GateWorkerPool } from '../../src/gate-runs/index.js';
import {
  addVersion,
  forEachStore,
  people,
  type StoreHarness,
  seedProduction,
  setupModel,
  toStaging,
} from '../app/harness.js';

const model = 'credit-risk-pd';
const encode = (text: string) => new TextEncoder().encode(text);

/** A billion-laughs YAML: each line multiplies the one before by ten. */
const aliasBomb = `${['a', 'b', 'c', 'd', 'e', 'f', 'g']
  .map((name, i, all) =>
    i === 0
      ? `${name}: &${name} ["x","x","x","x","x","x","x","x","x","x"]`
      : `${name}: &${name} [${Array(10)
          .fill(`*${all[i - 1]}`)
          .join(',')}]`,
  )
  .join('\n')}\n`;

type StoredFile = { path: string; kind: EvidenceKind; text: string };

/**
 * Files upload validation refuses now, but which older servers accepted and stored. A NUL byte
 * in a path can be stored only on SQLite (PostgreSQL text refuses it).
 */
const hostileFiles = (engine: string): StoredFile[] => [
  { path: 'evidence.yaml', kind: 'other', text: aliasBomb },
  { path: 'guide.md', kind: 'document', text: `---\n${aliasBomb}---\n# Guide\n` },
  ...(engine === 'sqlite'
    ? [{ path: 'notes\u0000.md', kind: 'document' as const, text: '# N\n' }]
    : []),
  { path: `${'é'.repeat(150)}.md`, kind: 'document', text: '# Long\n' },
  { path: 'notes', kind: 'other', text: 'a file where a folder is needed' },
  { path: 'notes/b.md', kind: 'document', text: '# B\n' },
];

async function storeDirectly(h: StoreHarness, version: string, files: StoredFile[]): Promise<void> {
  for (const file of files) {
    const { digest, size } = await h.blobs.put(encode(file.text));
    const record: EvidenceRecord = {
      model,
      version,
      path: file.path,
      kind: file.kind,
      digest,
      size,
      mediaType: 'application/octet-stream',
      attachedAt: h.clock.now().toISOString(),
      attachedBy: people.ci.id,
    };
    if (storableTextProblem(file.path) === undefined) {
      await h.store.transaction((tx) => tx.evidence.insert(record));
    } else {
      // The store now refuses such text (ADR 023); an older server wrote it straight to SQLite.
      writeAsAnOlderServer(h, record);
    }
  }
}

function writeAsAnOlderServer(h: StoreHarness, record: EvidenceRecord): void {
  if (!h.database?.startsWith('sqlite:')) throw new Error('Only SQLite could store this text.');
  const db = new Database(h.database.slice('sqlite:'.length));
  try {
    db.prepare(
      `insert into evidence (model, version, path, kind, digest, size, media_type, attached_at, attached_by)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      record.model,
      record.version,
      record.path,
      record.kind,
      record.digest,
      record.size,
      record.mediaType,
      record.attachedAt,
      record.attachedBy,
    );
  } finally {
    db.close();
  }
}

forEachStore('gate runs over broken stored evidence', (open, engine) => {
  const pools: GateWorkerPool[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });

  async function openWithPool(): Promise<StoreHarness> {
    const h = await open();
    const pool = new GateWorkerPool({
      blobs: h.blobs,
      budgets: { timeBudgetSeconds: 60, memoryBudgetMb: 1024, workers: 1 },
    });
    pools.push(pool);
    h.deps.gateRunner = pool;
    await setupModel(h, 'credit-risk', model, 'regulated');
    return h;
  }

  it('a broken production baseline is an error of the baseline gates only', async () => {
    const h = await openWithPool();
    await addVersion(h, { model, version: '1', dir: 'credit-risk/baseline' });
    await storeDirectly(h, '1', hostileFiles(engine));
    const records = await h.store.read((tx) => tx.evidence.list(model, '1'));
    const predictions = records.find((r) => r.path === 'predictions.csv');
    if (!predictions) throw new Error('no baseline predictions');
    await h.tamperBlob(predictions.digest, encode('application_id,repaid,score\n'));
    await seedProduction(h, model, '1');

    await addVersion(h, { model, version: '2', dir: 'credit-risk/candidates/passing' });
    await toStaging(h, model, '2');
    const { decision } = await requestTransition(h.deps, people.mlops, {
      model,
      version: '2',
      to: 'production',
      reason: 'Quarterly refresh',
      ticket: 'RISK-1',
    });
    const outcome = Object.fromEntries(decision.gates.map((g) => [g.gateId, g.outcome]));
    expect(outcome).toEqual({
      auc: 'error',
      ks: 'error',
      'approval-rate-parity': 'pass',
      repro: 'pass',
      'supply-chain': 'pass',
      documents: 'pass',
    });
    for (const gate of decision.gates.filter((g) => g.type === 'baseline')) {
      expect(gate.explanation).toContain('production baseline');
      expect(gate.explanation).toContain(`${predictions.digest} is corrupted`);
    }

    // Every other request of the model still runs its gates.
    await addVersion(h, { model, version: '3', dir: 'credit-risk/candidates/passing' });
    const other = await requestTransition(h.deps, people.owner, {
      model,
      version: '3',
      to: 'staging',
      reason: 'Next candidate',
    });
    expect(other.decision.gates.map((g) => [g.gateId, g.outcome])).toEqual([['repro', 'pass']]);
  });

  it('unreadable candidate evidence is an error of the gates that need it', async () => {
    const h = await openWithPool();
    await addVersion(h, { model, version: '1', dir: 'credit-risk/baseline' });
    await seedProduction(h, model, '1');
    await addVersion(h, { model, version: '2', dir: 'credit-risk/candidates/passing' });
    await toStaging(h, model, '2');
    const records = await h.store.read((tx) => tx.evidence.list(model, '2'));
    const sbom = records.find((r) => r.path === 'sbom.cdx.json');
    if (!sbom) throw new Error('no SBOM');
    await h.tamperBlob(sbom.digest, encode('{}'));
    await storeDirectly(h, '2', hostileFiles(engine));
    const { decision } = await requestTransition(h.deps, people.mlops, {
      model,
      version: '2',
      to: 'production',
      reason: 'Quarterly refresh',
      ticket: 'RISK-1',
    });
    const outcome = Object.fromEntries(decision.gates.map((g) => [g.gateId, g.outcome]));
    expect(outcome).toEqual({
      auc: 'pass',
      ks: 'pass',
      'approval-rate-parity': 'pass',
      repro: 'pass',
      'supply-chain': 'error',
      documents: 'pass',
    });
    const supply = decision.gates.find((g) => g.gateId === 'supply-chain');
    expect(supply?.explanation).toContain(`${sbom.digest} is corrupted`);
  });
});
