import { sql } from 'kysely';
import { hashCompletedNodes, nodesCompletedBy, type TreeNode } from '../../audit/index.js';
import type { MigrationDb, MigrationFactory } from './migration-context.js';

/** Rows per read while the nodes of an existing log are computed. */
const batchSize = 1000;

/**
 * The log's Merkle tree as stored perfect subtrees (level ≥ 1; level 0 is `audit_entries.leaf_hash`),
 * so signing a checkpoint and building a proof read O(log n) nodes instead of every leaf hash.
 * Append-only like the log itself. Existing logs get their nodes computed here, in one pass over
 * the leaf hashes with the compact range in memory.
 */
export const auditTreeNodes: MigrationFactory = (dialect) => ({
  async up(db: MigrationDb) {
    await db.schema
      .createTable('audit_tree_nodes')
      .addColumn('level', 'integer', (c) => c.notNull())
      .addColumn('idx', 'bigint', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('audit_tree_nodes_pk', ['level', 'idx'])
      .execute();
    for (const statement of dialect.appendOnlyStatements('audit_tree_nodes')) {
      await sql.raw(statement).execute(db);
    }
    await backfill(db);
  },
});

/**
 * Computes the nodes of the entries already logged, in seq order, in keyset pages. It stops at
 * the first gap in seq (a row deleted behind the service's back): nodes above it cannot be
 * computed, the migration must not fail (`audit verify` needs a database that opens to name the
 * gap), and appends that need a node across the gap refuse with `audit_unavailable`.
 */
async function backfill(db: MigrationDb): Promise<void> {
  // The compact range: perfect-subtree roots still waiting for a right sibling, largest first.
  const stack: Uint8Array[] = [];
  let next = 0;
  for (;;) {
    const { rows } = await sql<{ seq: number | string; leaf_hash: string }>`
      select seq, leaf_hash from audit_entries
      where seq >= ${next} order by seq limit ${batchSize}`.execute(db);
    const nodes: TreeNode[] = [];
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== next) break;
      const leafHash = new Uint8Array(Buffer.from(row.leaf_hash, 'hex'));
      const completed = nodesCompletedBy(seq);
      const leftHashes = completed.map(() => stack.pop() as Uint8Array);
      const completedNodes = hashCompletedNodes({ completed, leftHashes, leafHash });
      stack.push(completedNodes.at(-1)?.hash ?? leafHash);
      nodes.push(...completedNodes);
      next += 1;
    }
    await insertNodes(db, nodes);
    if (rows.length < batchSize || Number(rows.at(-1)?.seq) !== next - 1) return;
  }
}

async function insertNodes(db: MigrationDb, nodes: readonly TreeNode[]): Promise<void> {
  if (nodes.length === 0) return;
  const values = nodes.map(
    (node) => sql`(${node.level}, ${node.index}, ${Buffer.from(node.hash).toString('hex')})`,
  );
  await sql`insert into audit_tree_nodes (level, idx, hash) values ${sql.join(values)}`.execute(db);
}
