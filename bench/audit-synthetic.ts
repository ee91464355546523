/**
 * A synthetic audit log of n entries written straight into the tables (entries with their leaf
 * hashes, every stored tree node, one signed checkpoint at n, the head), for the 10 M proof and
 * checkpoint rows: appending 10 M entries through the repository would take about 15 minutes on
 * this machine. The rows are exactly what the repository writes: each entry's text is checked
 * against `encodeEntry` for the first entries, and `audit verify` of a small synthetic log passes.
 */
import { hash } from 'node:crypto';
import Database from 'better-sqlite3';
import type { AuditEntryInput, AuditSigner } from '../src/app/shared/ports.js';
import { encodeEntry, MerkleAccumulator, signCheckpoint } from '../src/audit/index.js';
import { createStore } from '../src/store/index.js';

const batch = 50_000;

/**
 * Bench entry `i` as the benches append it through the repository (`entryText` is its stored
 * text). `scripts/audit-sign-ab.mjs` keeps a copy: it runs against older builds' `dist/` too.
 */
export function benchAuditInput(i: number): AuditEntryInput {
  return {
    time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    actor: { id: `user-${i % 50}`, kind: 'user' },
    action: 'approval.recorded',
    subject: { type: 'request', id: `req-${Math.floor(i / 5)}` },
    reason: 'benchmark entry',
    digests: {},
    data: { role: 'risk_officer', n: i },
  };
}

/** The canonical (RFC 8785) text of entry `i`, as `encodeEntry` writes it for the bench entries. */
function entryText(i: number): string {
  const time = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  return `{"action":"approval.recorded","actor":{"id":"user-${i % 50}","kind":"user"},"data":{"n":${i},"role":"risk_officer"},"digests":{},"reason":"benchmark entry","seq":${i},"subject":{"id":"req-${Math.floor(i / 5)}","type":"request"},"time":"${time}"}`;
}

/** Creates (migrates) the database at `file` and fills it with `count` entries and their tree. */
export async function writeSyntheticLog(
  file: string,
  count: number,
  signer: AuditSigner,
): Promise<void> {
  const store = await createStore({ engine: 'sqlite', file, synchronous: 'FULL' });
  await store.close();
  for (let i = 0; i < 3; i++) {
    const text = entryText(i);
    const expected = Buffer.from(encodeEntry(JSON.parse(text))).toString();
    if (text !== expected) throw new Error(`synthetic entry ${i} is not canonical: ${text}`);
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insertEntry = db.prepare(
    'insert into audit_entries (seq, entry, leaf_hash, time, action, subject_type, subject_id, actor_id) values (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertNode = db.prepare('insert into audit_tree_nodes (level, idx, hash) values (?, ?, ?)');
  const acc = new MerkleAccumulator();
  // Perfect-subtree roots waiting for a sibling, with their level, to name each completed node.
  const stack: { level: number; hash: Uint8Array }[] = [];
  const leafInput = Buffer.alloc(4096);
  const nodeInput = Buffer.alloc(65, 1);
  const fillBatch = db.transaction((start: number, end: number) => {
    for (let i = start; i < end; i++) {
      const text = entryText(i);
      leafInput[0] = 0;
      const length = leafInput.write(text, 1);
      const leaf = hash('sha256', leafInput.subarray(0, 1 + length), 'buffer');
      insertEntry.run(
        i,
        text,
        leaf.toString('hex'),
        new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
        'approval.recorded',
        'request',
        `req-${Math.floor(i / 5)}`,
        `user-${i % 50}`,
      );
      acc.append(leaf);
      let node: { level: number; hash: Uint8Array } = { level: 0, hash: leaf };
      while (stack.length > 0 && stack[stack.length - 1]?.level === node.level) {
        const left = stack.pop() as { level: number; hash: Uint8Array };
        nodeInput.set(left.hash, 1);
        nodeInput.set(node.hash, 33);
        const level = node.level + 1;
        const parent = hash('sha256', nodeInput, 'buffer');
        insertNode.run(level, Math.floor(i / 2 ** level), parent.toString('hex'));
        node = { level, hash: parent };
      }
      stack.push(node);
    }
  });
  for (let start = 0; start < count; start += batch) {
    fillBatch(start, Math.min(count, start + batch));
    if ((start + batch) % 1_000_000 === 0)
      process.stderr.write(`  ${(start + batch).toLocaleString('en-US')} synthetic entries\n`);
  }
  const rootHash = acc.root();
  const note = signCheckpoint({ origin: signer.origin, size: count, rootHash }, signer.note);
  db.prepare(
    'insert into audit_checkpoints (size, root_hash, note, created_at) values (?, ?, ?, ?)',
  ).run(count, Buffer.from(rootHash).toString('hex'), note, new Date().toISOString());
  db.prepare('update audit_head set size = ? where id = 1').run(count);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}
