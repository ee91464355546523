/**
 * The statements of an audit append made one by one (SQLite's path, audit-repository.ts),
 * compiled once each (prepared-query.ts): building and compiling them with Kysely on every append
 * was about a tenth of a version create's CPU there.
 */
import { type Insertable, sql } from 'kysely';
import type { RepositoryContext } from '../columns.js';
import { preparedQuery } from '../prepared-query.js';
import type { AuditEntriesTable, AuditEntryModelsTable } from '../schema.js';

export const incrementHead = preparedQuery((db) =>
  db
    .updateTable('audit_head')
    .set({ size: sql<number>`size + 1` })
    .where('id', '=', 1)
    .returning('size'),
);
export const insertEntryRow = preparedQuery((db, p: Insertable<AuditEntriesTable>) =>
  db.insertInto('audit_entries').values(p),
);
export const insertEntryModel = preparedQuery((db, p: Insertable<AuditEntryModelsTable>) =>
  db.insertInto('audit_entry_models').values(p),
);

/** Inserts of `count` tree nodes, one compiled statement per count (a few dozen at most). */
const nodeInserts = new Map<number, ReturnType<typeof nodeInsert>>();
function nodeInsert(count: number) {
  return preparedQuery((db, p: Record<string, number | string>) =>
    db
      .insertInto('audit_tree_nodes')
      .values(
        Array.from({ length: count }, (_, k) => ({
          level: p[`l${k}`] as number,
          idx: p[`i${k}`] as number,
          hash: p[`h${k}`] as string,
        })),
      )
      .onConflict((conflict) => conflict.columns(['level', 'idx']).doNothing()),
  );
}
export async function insertNodes(
  db: RepositoryContext['db'],
  nodes: readonly { level: number; index: number; hash: string }[],
): Promise<void> {
  let insert = nodeInserts.get(nodes.length);
  if (insert === undefined) {
    insert = nodeInsert(nodes.length);
    nodeInserts.set(nodes.length, insert);
  }
  const params: Record<string, number | string> = {};
  for (const [k, node] of nodes.entries()) {
    params[`l${k}`] = node.level;
    params[`i${k}`] = node.index;
    params[`h${k}`] = node.hash;
  }
  await insert(db, params);
}
