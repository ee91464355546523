/**
 * The audit append on PostgreSQL in one statement (ADR 016). `audit_head` is the lock that keeps
 * `seq` contiguous (ADR 004) and is held from the append to the commit; appended statement by
 * statement, it was held over four to six round trips, each one also waiting for the server's
 * event loop. Here one function call locks the head, places the seq in the entry's canonical
 * text, hashes the leaf and the tree nodes it completes (`sha256`, RFC 9162 §2.1.1), and writes
 * the entry, its model row, the nodes and the new size; the lock is then held for that call and
 * the COMMIT only.
 */
import { sql } from 'kysely';
import { preparedQuery } from '../prepared-query.js';
import type { AppendedAuditEntry, AuditAppendRow, StoreDialect } from './store-dialect.js';

/**
 * Answers no row, having changed nothing, when the head row is missing or a left child the new
 * leaf needs is not stored (entries appended by a server older than migration 0005, during a
 * rolling upgrade): the repository then appends statement by statement, which names the missing
 * row or recomputes the node. The head stays locked either way, as that path would lock it.
 * Created by migration 0016, which is never edited: a change to this text is a new migration.
 */
export const auditAppendFunction = `create or replace function clearance_append_audit_entry(
  text_before_seq text, text_after_seq text, entry_time timestamptz, entry_action text,
  entry_subject_type text, entry_subject_id text, entry_actor_id text, entry_model text
) returns table (appended_seq bigint, appended_leaf_hash text)
language plpgsql as $$
declare
  new_seq bigint;
  entry_text text;
  leaf bytea;
  node bytea;
  lefts bytea[] := '{}';
  left_hash text;
  v_count bigint;
  v_level integer := 1;
begin
  select h.size into new_seq from audit_head h where h.id = 1 for update;
  if not found then return; end if;
  -- Node (L, i) completed by the leaf has left child (L-1, 2i); level 0 is a leaf hash.
  v_count := new_seq + 1;
  while v_count % 2 = 0 loop
    left_hash := null;
    if v_level = 1 then
      select e.leaf_hash into left_hash from audit_entries e where e.seq = new_seq - 1;
    else
      select n.hash into left_hash from audit_tree_nodes n
        where n.level = v_level - 1 and n.idx = v_count - 2;
    end if;
    if left_hash is null then return; end if;
    lefts := lefts || decode(left_hash, 'hex');
    v_count := v_count / 2;
    v_level := v_level + 1;
  end loop;
  update audit_head set size = size + 1 where id = 1;
  entry_text := text_before_seq || new_seq::text || text_after_seq;
  leaf := sha256('\\x00'::bytea || convert_to(entry_text, 'UTF8'));
  insert into audit_entries (seq, entry, leaf_hash, time, action, subject_type, subject_id, actor_id)
    values (new_seq, entry_text, encode(leaf, 'hex'), entry_time, entry_action,
            entry_subject_type, entry_subject_id, entry_actor_id);
  if entry_model is not null then
    insert into audit_entry_models (model, seq) values (entry_model, new_seq);
  end if;
  node := leaf;
  for k in 1 .. coalesce(array_length(lefts, 1), 0) loop
    node := sha256('\\x01'::bytea || lefts[k] || node);
    insert into audit_tree_nodes (level, idx, hash)
      values (k, ((new_seq + 1) >> k) - 1, encode(node, 'hex'))
      on conflict do nothing;
  end loop;
  appended_seq := new_seq;
  appended_leaf_hash := encode(leaf, 'hex');
  return next;
end;
$$`;

/** The call, compiled once (prepared-query.ts): a named statement on every connection. */
const callAppend = preparedQuery((db, p: AppendParams) => {
  const query = sql<{ appended_seq: string | number; appended_leaf_hash: string }>`
      select appended_seq, appended_leaf_hash from clearance_append_audit_entry(
        ${p.before}, ${p.after}, ${p.time}, ${p.action},
        ${p.subjectType}, ${p.subjectId}, ${p.actorId}, ${p.entryModel})`;
  return { compile: () => query.compile(db) };
});

/**
 * A version, its first state and its audit entry in one statement (ADR 026): the version and its
 * state as the data-modifying WITH of `insertVersionWithState`, the entry by the append function
 * in the same statement. A statement is atomic, so a duplicate version (a unique violation) keeps
 * no entry, and an entry is never kept without its version. The function reads no row the WITH
 * writes, so the order PostgreSQL runs them in does not matter. Compiled once: a named statement.
 */
const insertVersionAndAppend = preparedQuery(
  (
    db,
    p: {
      model: string;
      version: string;
      artifactUri: string;
      artifactDigest: string;
      lineage: string;
      createdAt: string;
      createdBy: string;
      state: string;
      requestId: string | null;
      since: string;
      before: string;
      after: string;
      time: string;
      action: string;
      subjectType: string;
      subjectId: string;
      actorId: string;
      entryModel: string | null;
    },
  ) => {
    const query = sql<{ appended_seq: string | number; appended_leaf_hash: string }>`
      with v as (
        insert into versions
          (model, version, artifact_uri, artifact_digest, lineage, created_at, created_by)
        values (${p.model}, ${p.version}, ${p.artifactUri}, ${p.artifactDigest}, ${p.lineage},
          ${p.createdAt}, ${p.createdBy})
        returning model, version
      ), s as (
        insert into version_states (model, version, state, request_id, since)
        select v.model, v.version, cast(${p.state} as text), cast(${p.requestId} as text),
          cast(${p.since} as timestamptz)
        from v
      )
      select appended_seq, appended_leaf_hash from clearance_append_audit_entry(
        ${p.before}, ${p.after}, ${p.time}, ${p.action},
        ${p.subjectType}, ${p.subjectId}, ${p.actorId}, ${p.entryModel})`;
    return { compile: () => query.compile(db) };
  },
);

/** Inserts the version and its state and appends the entry, inside the caller's transaction. */
export const insertVersionLoggedPostgres: StoreDialect['insertVersionLogged'] = async (
  db,
  { version, state, entry },
) => {
  const [first] = await insertVersionAndAppend(db, {
    model: version.model,
    version: version.version,
    artifactUri: version.artifact_uri,
    artifactDigest: version.artifact_digest,
    lineage: version.lineage,
    createdAt: version.created_at,
    createdBy: version.created_by,
    state: state.state,
    requestId: state.request_id ?? null,
    since: state.since,
    ...appendParams(entry),
  });
  return { entry: first === undefined ? undefined : appended(first) };
};

/** The append function's arguments, as both compiled statements name them. */
type AppendParams = ReturnType<typeof appendParams>;

function appendParams(row: AuditAppendRow) {
  return {
    before: row.textBeforeSeq,
    after: row.textAfterSeq,
    time: row.time,
    action: row.action,
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    actorId: row.actorId,
    entryModel: row.model,
  };
}

/** Calls the function inside the caller's transaction. */
export const appendAuditEntryPostgres: StoreDialect['appendAuditEntry'] = async (db, row) => {
  const [first] = await callAppend(db, appendParams(row));
  return first === undefined ? undefined : appended(first);
};

function appended(row: { appended_seq: string | number; appended_leaf_hash: string }) {
  return {
    seq: Number(row.appended_seq),
    leafHash: row.appended_leaf_hash,
  } satisfies AppendedAuditEntry;
}
