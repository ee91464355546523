import { type Selectable, sql } from 'kysely';
import type {
  AuditEntryInput,
  AuditRepository,
  CheckpointRepository,
  StoredCheckpoint,
} from '../../app/shared/ports.js';
import {
  type AuditEntry,
  entryModel,
  entryTextAroundSeq,
  hashCompletedNodes,
  hashLeafText,
  type LoggedAuditEntry,
  leftChild,
  nodeKey,
  nodesCompletedBy,
  pageSeparator,
  rootFromLeafHashes,
  type StoredAuditRow,
  type TreeNodeId,
} from '../../audit/index.js';
import { ClearanceError } from '../../domain/index.js';
import {
  conflictOnDuplicate,
  int,
  iso,
  lockedIfAsked,
  type RepositoryContext,
} from '../columns.js';
import type { AppendedAuditEntry, AuditAppendRow } from '../dialects/store-dialect.js';
import { preparedQuery, shapedQuery } from '../prepared-query.js';
import type { AuditCheckpointsTable } from '../schema.js';
import { tableColumns } from '../table-columns.js';
import {
  incrementHead,
  insertEntryModel,
  insertEntryRow,
  insertNodes,
} from './audit-append-statements.js';

/**
 * A page of the log as stored, compiled once (prepared-query.ts): `audit verify` reads the whole
 * log with it, so each row comes back as the driver gives it, named as `StoredAuditRow` names it.
 */
const storedRowsBetween = preparedQuery((db, p: { from: number; to: number }) =>
  db
    .selectFrom('audit_entries')
    .select(['seq', 'entry as text', 'leaf_hash as leafHash'])
    .where('seq', '>=', p.from)
    .where('seq', '<', p.to)
    .orderBy('seq'),
);

/**
 * A page of the log packed into one row (audit/stored-page.ts): `audit verify` reads the signed
 * part of the log with it, and a million entries then cost 200 rows, not a million objects. The
 * same SQL on both engines (`string_agg`: SQLite ≥ 3.44, PostgreSQL). The ordered subquery feeds
 * the aggregates in seq order (an ORDER BY inside each aggregate would sort every page again:
 * twice the read's CPU on SQLite); the seq list shows the order they got, and a page not in seq
 * order is read again as rows by the verifier.
 */
const storedPageBetween = preparedQuery((db, p: { from: number; to: number }) => {
  const query = sql<{ seqs: string | null; texts: string | null; hashes: string | null }>`
    select string_agg(cast(seq as text), ',') as seqs,
      string_agg(entry, ${pageSeparator}) as texts, string_agg(leaf_hash, ',') as hashes
    from (select seq, entry, leaf_hash from audit_entries
      where seq >= ${p.from} and seq < ${p.to} order by seq) as page`;
  return { compile: () => query.compile(db) };
});

/** The newest checkpoint, and the one at a size: what every proof starts from. */
// Named columns, not `*`: named statements, read inside write transactions too (ADR 033).
const checkpointColumns = tableColumns('audit_checkpoints', {
  size: true,
  root_hash: true,
  note: true,
  created_at: true,
});
const latestCheckpoint = preparedQuery((db) =>
  db.selectFrom('audit_checkpoints').select(checkpointColumns).orderBy('size', 'desc').limit(1),
);
const checkpointAtSize = preparedQuery((db, p: { size: number }) =>
  db.selectFrom('audit_checkpoints').select(checkpointColumns).where('size', '=', p.size),
);

/**
 * Tree nodes by `(level, idx)`, one statement for every node: the wanted pairs as a VALUES list
 * joined on the primary keys (`audit_tree_nodes`, and `audit_entries.seq` for leaves), one index
 * lookup each (an OR of pairs costs SQLite several times more). The list has a fixed number of
 * pairs so the statement is compiled once (prepared-query.ts); a shorter ask is padded with
 * (-1, -1), which no row has. Proofs and roots at 10 M entries ask for about 24 to 48 nodes.
 */
const nodeSlots = [8, 16, 32, 48, 64, 128, 256] as const;
type NodeParams = Record<string, number>;
const nodesBySlots = new Map(
  nodeSlots.map((slots) => [
    slots,
    preparedQuery((db, p: NodeParams) => {
      const wanted = sql.join(
        Array.from(
          { length: slots },
          (_, k) => sql`(cast(${p[`l${k}`]} as integer), cast(${p[`i${k}`]} as bigint))`,
        ),
      );
      const query = sql<{ level: number; idx: number | string; hash: string }>`
        with wanted (level, idx) as (values ${wanted})
        select w.level, w.idx, n.hash from wanted w
          join audit_tree_nodes n on n.level = w.level and n.idx = w.idx
          where w.level > 0
        union all
        select w.level, w.idx, e.leaf_hash as hash from wanted w
          join audit_entries e on e.seq = w.idx
          where w.level = 0`;
      return { compile: () => query.compile(db) };
    }),
  ]),
);

/** Rows per page when streaming the log: bounded memory for a million entries. */
const pageSize = 5000;

/** The audit repository, and the append other repositories fold their writes into. */
export interface StoreAuditRepository extends AuditRepository {
  appendThrough(
    input: AuditEntryInput,
    oneStatement: (row: AuditAppendRow) => Promise<AppendedAuditEntry | undefined>,
  ): Promise<AuditEntry>;
}

/** A unique violation in the log's own tables: its rows were written behind the service's back. */
export const auditEntryExists =
  "The audit entry at the position audit_head names already exists; the log was changed behind the service's back, run audit verify";

// A subject's entries of some actions: what an approval's execution and an emergency's status
// look up on the governed path. Compiled once per number of actions.
const entriesAboutSubject = shapedQuery((db, p: { type: string; id: string; actions: string[] }) =>
  db
    .selectFrom('audit_entries')
    .select('entry')
    .where('subject_type', '=', p.type)
    .where('subject_id', '=', p.id)
    .where('action', 'in', p.actions)
    .orderBy('seq'),
);

export function auditRepository(context: RepositoryContext): StoreAuditRepository {
  const { db } = context;

  /**
   * Node hashes in the order asked; `stored` is false for a node above the leaves that was not
   * in `audit_tree_nodes` and was recomputed from its leaf hashes instead. That happens only for
   * entries appended by a server that predates migration 0005 (a rolling upgrade): slower, never
   * wrong, and `append` stores the recomputed node. A missing leaf is `audit_unavailable`.
   */
  async function lookupNodes(
    ids: readonly TreeNodeId[],
  ): Promise<{ hash: Uint8Array; stored: boolean }[]> {
    const found = new Map<string, Uint8Array>();
    const largest = nodeSlots[nodeSlots.length - 1] as number;
    for (let start = 0; start < ids.length; start += largest) {
      const part = ids.slice(start, start + largest);
      const slots = nodeSlots.find((n) => n >= part.length) as number;
      const params: NodeParams = {};
      for (let k = 0; k < slots; k++) {
        params[`l${k}`] = part[k]?.level ?? -1;
        params[`i${k}`] = part[k]?.index ?? -1;
      }
      const query = nodesBySlots.get(slots as (typeof nodeSlots)[number]);
      for (const row of query ? await query(db, params) : [])
        found.set(nodeKey({ level: Number(row.level), index: int(row.idx) }), bytes(row.hash));
    }
    const out: { hash: Uint8Array; stored: boolean }[] = [];
    for (const id of ids) {
      const hash = found.get(nodeKey(id));
      if (hash !== undefined) out.push({ hash, stored: true });
      else if (id.level === 0) throw missingNode(id);
      else out.push({ hash: await recomputeNode(id), stored: false });
    }
    return out;
  }

  /** A perfect subtree's hash from its leaf hashes, which must all be there. */
  async function recomputeNode(id: TreeNodeId): Promise<Uint8Array> {
    const span = 2 ** id.level;
    const start = id.index * span;
    const rows = await db
      .selectFrom('audit_entries')
      .select(['seq', 'leaf_hash'])
      .where('seq', '>=', start)
      .where('seq', '<', start + span)
      .orderBy('seq')
      .execute();
    const hashes = rows.map((row, k) => {
      if (int(row.seq) !== start + k) throw missingNode({ level: 0, index: start + k });
      return bytes(row.leaf_hash);
    });
    if (hashes.length !== span) throw missingNode({ level: 0, index: start + hashes.length });
    return rootFromLeafHashes(hashes);
  }

  /** Stores the perfect subtrees the new leaf completes (and any left child recomputed). */
  async function storeCompletedNodes(seq: number, leafHash: Uint8Array): Promise<void> {
    const completed = nodesCompletedBy(seq);
    if (completed.length === 0) return;
    const lefts = completed.map(leftChild);
    const found = await lookupNodes(lefts);
    const nodes = hashCompletedNodes({ completed, leftHashes: found.map((f) => f.hash), leafHash });
    const recomputed = lefts.flatMap((id, k) =>
      found[k]?.stored === false ? [{ ...id, hash: (found[k] as { hash: Uint8Array }).hash }] : [],
    );
    await insertNodes(
      db,
      [...recomputed, ...nodes].map((node) => ({ ...node, hash: hex(node.hash) })),
    );
  }

  /**
   * The append as separate statements: on SQLite, and on PostgreSQL when a tree node the new leaf
   * needs is not stored (recomputed here) or the head row is missing (named here).
   */
  async function appendStatementByStatement(
    input: AuditEntryInput,
    around: { text: { before: string; after: string }; model: string | undefined },
  ): Promise<AuditEntry> {
    // Incrementing the single head row is the lock: on PostgreSQL a concurrent appender blocks
    // on the row until this transaction ends, then reads the new size (READ COMMITTED
    // re-checks the updated row), so seq stays contiguous. SQLite's write lock does the same.
    const [head] = await incrementHead(db, {});
    if (head === undefined) {
      throw new ClearanceError(
        'audit_unavailable',
        'The audit_head row is missing, so no entry can be appended; restore it from a backup',
      );
    }
    const entry = { ...input, seq: int(head.size) - 1 } as AuditEntry;
    const text = `${around.text.before}${entry.seq}${around.text.after}`;
    const leafHash = hashLeafText(text);
    await conflictOnDuplicate(
      context,
      () =>
        insertEntryRow(db, {
          seq: entry.seq,
          entry: text,
          leaf_hash: hex(leafHash),
          time: entry.time,
          action: entry.action,
          subject_type: entry.subject.type,
          subject_id: entry.subject.id,
          actor_id: entry.actor.id,
        }),
      `Audit entry ${entry.seq} already exists although audit_head says the log has ${entry.seq} entries; the log was changed behind the service's back, run audit verify`,
    );
    if (around.model !== undefined) {
      await insertEntryModel(db, { model: around.model, seq: entry.seq });
    }
    await storeCompletedNodes(entry.seq, leafHash);
    return entry;
  }

  /**
   * Appends made statement by statement take turns: each reads the head and the tree nodes the
   * previous one wrote, so two asked for together in one transaction (ADR 049) must not
   * interleave. One-statement appends need no turn: the engine runs them in the order sent. Both
   * keep the order in which appends reach this repository; a wrapper that waits before passing
   * one on keeps the order it was asked in (idempotency-claims.ts).
   */
  let appending: Promise<unknown> = Promise.resolve();
  function inTurn<T>(append: () => Promise<T>): Promise<T> {
    const turn = appending.then(append);
    appending = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Appends `input`, handing its one-statement form to `oneStatement` (the dialect's append,
   * alone or folded into another write: `versions.insertLogged`); when that answers nothing, the
   * entry is appended statement by statement.
   */
  async function appendThrough(
    input: AuditEntryInput,
    oneStatement: (row: AuditAppendRow) => Promise<AppendedAuditEntry | undefined>,
  ): Promise<AuditEntry> {
    // Validates before taking the head lock: a malformed entry never costs a lock wait.
    const text = entryTextAroundSeq(input);
    const model = entryModel(input) ?? null;
    const appended = await oneStatement({
      textBeforeSeq: text.before,
      textAfterSeq: text.after,
      time: input.time,
      action: input.action,
      subjectType: input.subject.type,
      subjectId: input.subject.id,
      actorId: input.actor.id,
      model,
    });
    if (appended !== undefined) {
      // The engine hashed the text it assembled; the same text hashed here must agree, or the
      // two encodings have drifted apart and the entry must not be kept.
      const leafHash = hex(hashLeafText(`${text.before}${appended.seq}${text.after}`));
      if (leafHash !== appended.leafHash) {
        throw new Error(
          `audit entry ${appended.seq}: the engine hashed its text to ${appended.leafHash}, not ${leafHash}`,
        );
      }
      return { ...input, seq: appended.seq } as AuditEntry;
    }
    return inTurn(() => appendStatementByStatement(input, { text, model: model ?? undefined }));
  }

  return {
    appendThrough,
    append: (input) =>
      appendThrough(input, (row) =>
        conflictOnDuplicate(
          context,
          () => context.dialect.appendAuditEntry(db, row),
          auditEntryExists,
        ),
      ),
    async size(options) {
      const query = db.selectFrom('audit_head').select('size');
      const head = await lockedIfAsked(context, options, query).executeTakeFirst();
      return head === undefined ? 0 : int(head.size);
    },
    async *entries(from, to) {
      for (let start = from; start < to; start += pageSize) {
        const rows = await db
          .selectFrom('audit_entries')
          .select(['entry', 'leaf_hash'])
          .where('seq', '>=', start)
          .where('seq', '<', Math.min(to, start + pageSize))
          .orderBy('seq')
          .execute();
        for (const row of rows) {
          const logged: LoggedAuditEntry = {
            entry: JSON.parse(row.entry) as AuditEntry,
            leafHash: Buffer.from(row.leaf_hash, 'hex'),
            text: row.entry,
          };
          yield logged;
        }
      }
    },
    async storedRows(from, to) {
      const rows: { seq: number | string; text: string; leafHash: string }[] =
        await storedRowsBetween(db, { from, to });
      // PostgreSQL gives a bigint as text; SQLite's rows are used as they come.
      for (const row of rows) if (typeof row.seq !== 'number') row.seq = int(row.seq);
      return rows as StoredAuditRow[];
    },
    async storedPage(from, to) {
      const [row] = await storedPageBetween(db, { from, to });
      return { seqs: row?.seqs ?? '', texts: row?.texts ?? '', leafHashes: row?.hashes ?? '' };
    },
    async leafHashes(from, to) {
      const rows = await db
        .selectFrom('audit_entries')
        .select('leaf_hash')
        .where('seq', '>=', from)
        .where('seq', '<', to)
        .orderBy('seq')
        .execute();
      return rows.map((row) => bytes(row.leaf_hash));
    },
    treeNodes: async (ids) => (await lookupNodes(ids)).map((node) => node.hash),
    async *withActions(actions) {
      if (actions.length === 0) return;
      // Keyset pages on the primary key: each page is one indexed range scan.
      for (let after = -1; ; ) {
        const rows = await db
          .selectFrom('audit_entries')
          .select(['seq', 'entry'])
          .where('seq', '>', after)
          .where('action', 'in', [...actions])
          .orderBy('seq')
          .limit(pageSize)
          .execute();
        for (const row of rows) yield JSON.parse(row.entry) as AuditEntry;
        const last = rows.at(-1);
        if (last === undefined || rows.length < pageSize) return;
        after = int(last.seq);
      }
    },
    async page(filter) {
      let query = db.selectFrom('audit_entries as e').select(['e.seq', 'e.entry', 'e.leaf_hash']);
      if (filter.model !== undefined) {
        query = query
          .innerJoin('audit_entry_models as m', 'm.seq', 'e.seq')
          .where('m.model', '=', filter.model);
      }
      if (filter.actor !== undefined) query = query.where('e.actor_id', '=', filter.actor);
      if (filter.action !== undefined) query = query.where('e.action', '=', filter.action);
      if (filter.since !== undefined) query = query.where('e.time', '>=', filter.since);
      if (filter.until !== undefined) query = query.where('e.time', '<', filter.until);
      query =
        filter.before !== undefined
          ? query.where('e.seq', '<', filter.before).orderBy('e.seq', 'desc')
          : query.where('e.seq', '>=', filter.from ?? 0).orderBy('e.seq');
      const rows = await query.limit(filter.limit).execute();
      return rows.map((row) => ({
        entry: JSON.parse(row.entry) as AuditEntry,
        leafHash: bytes(row.leaf_hash),
      }));
    },
    async aboutSubject(subject, actions) {
      if (actions.length === 0) return [];
      const rows = await entriesAboutSubject(db, {
        type: subject.type,
        id: subject.id,
        actions: [...new Set(actions)].sort(),
      });
      return rows.map((row) => JSON.parse(row.entry) as AuditEntry);
    },
  };
}

export function checkpointRepository(context: RepositoryContext): CheckpointRepository {
  const { db } = context;
  return {
    async insert(checkpoint) {
      await conflictOnDuplicate(
        context,
        () =>
          db
            .insertInto('audit_checkpoints')
            .values({
              size: checkpoint.size,
              root_hash: hex(checkpoint.rootHash),
              note: checkpoint.note,
              created_at: checkpoint.createdAt,
            })
            .execute(),
        `A checkpoint for log size ${checkpoint.size} already exists; checkpoints are immutable`,
      );
    },
    async latest() {
      const [row] = await latestCheckpoint(db, {});
      return row === undefined ? undefined : toStored(row);
    },
    async atSize(size) {
      const [row] = await checkpointAtSize(db, { size });
      return row === undefined ? undefined : toStored(row);
    },
    async list() {
      const rows = await db.selectFrom('audit_checkpoints').selectAll().orderBy('size').execute();
      return rows.map(toStored);
    },
  };
}

function toStored(row: Selectable<AuditCheckpointsTable>): StoredCheckpoint {
  return {
    size: int(row.size),
    rootHash: bytes(row.root_hash),
    note: row.note,
    createdAt: iso(row.created_at),
  };
}

function bytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}

function hex(hash: Uint8Array): string {
  return Buffer.from(hash).toString('hex');
}

function missingNode(id: TreeNodeId): ClearanceError {
  const what =
    id.level === 0 ? `audit entry ${id.index}` : `Merkle tree node ${id.level}/${id.index}`;
  const message = `The stored ${what} is missing: rows were deleted behind the service's back.`;
  return new ClearanceError('audit_unavailable', message, {
    problems: [
      {
        message,
        fix: 'Run `clearance audit verify` to name the first bad entry, and restore the log from a backup.',
      },
    ],
  });
}
