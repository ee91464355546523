/**
 * Whose rights Clearance's PostgreSQL functions run with, and where they look for tables (ADR
 * 036). The trigger functions that move the counters the caches trust run with their owner's
 * rights, so the runtime role needs no write privilege on the counter tables; the audit append
 * runs with its caller's, as the statement-by-statement append does, and searches its schema and
 * then `pg_temp`, as the trigger functions do (migrations 0021, 0023).
 */

/**
 * The trigger functions that move `data_version`, `version_changes` and `identity_epoch`: run
 * by the triggers of the runtime role's own statements, they write rows that role may only read.
 */
export const counterFunctions: readonly string[] = [
  'clearance_count_commit',
  'clearance_count_version_change',
  'clearance_bump_identity_epoch',
];

/**
 * Makes the trigger function `name` (no arguments) of the current schema run with its owner's
 * rights (`SECURITY DEFINER`), and takes EXECUTE from PUBLIC: no other role can attach it to a
 * table of its own (a temporary one, say) and move the counters through it. A trigger on the
 * schema's tables fires it whatever the session's privileges (EXECUTE is checked when a trigger
 * is created). Follows every `create or replace` of the function, which clears `SECURITY
 * DEFINER` (the EXECUTE grant is kept). Repeatable. Its search path is fixed by `pinSearchPath`.
 */
export function ownerRights(name: string): string {
  return `do $$
begin
  execute format('alter function %I.%I() security definer', current_schema(), '${name}');
  execute format('revoke execute on function %I.%I() from public', current_schema(), '${name}');
end;
$$`;
}

/**
 * Fixes the audit append's search path to its schema, then `pg_temp` (migration 0025): its
 * tables are found in the schema the migrations ran in whatever the caller's search path, and
 * never a temporary table of the same name. Follows every `create or replace`. Repeatable.
 */
export const pinAuditAppendSearchPath = `do $$
begin
  execute format('alter function %I.clearance_append_audit_entry(text, text, timestamptz, text, '
    || 'text, text, text, text) set search_path = %I, pg_temp', current_schema(), current_schema());
end;
$$`;

/** A function of ours as `pg_proc` holds it, for the start-up check. */
export interface StoredFunction {
  name: string;
  source: string;
  /** `prosecdef`: runs with its owner's rights. */
  definer: boolean;
  /** Its `proconfig` is exactly the schema's search path, then `pg_temp`. */
  pinned: boolean;
}

/**
 * Whether `stored` is what the migrations create: the source (`expectedSource`), the search path
 * pinned, and owner's rights exactly for the counter functions.
 */
export function isAsMigrated(stored: StoredFunction | undefined, expectedSource: string): boolean {
  return (
    stored !== undefined &&
    stored.source === expectedSource &&
    stored.pinned &&
    stored.definer === counterFunctions.includes(stored.name)
  );
}
