import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * Two reads of the governed path made one short index range each (issue 12, session 14).
 * A subject's entries of some actions (the approvals a request's audit entries record): on
 * (subject_type, subject_id) alone SQLite preferred `audit_entries_by_action`, whose (action, seq)
 * order spares a sort, and so walked every entry of that action in the whole log. (subject_type,
 * subject_id, action, seq) serves the read in its order; it covers every use of the index it
 * replaces, so that one goes (one index fewer to write per entry, not one more).
 * A version's requests (attaching evidence asks whether a request names the version): by
 * (model, version, status) instead of every request the model ever had.
 */
export const governedPathIndexes: MigrationFactory = () => ({
  async up(db: MigrationDb) {
    await db.schema
      .createIndex('audit_entries_by_subject_action')
      .on('audit_entries')
      .columns(['subject_type', 'subject_id', 'action', 'seq'])
      .execute();
    await db.schema.dropIndex('audit_entries_by_subject').execute();
    await db.schema
      .createIndex('transition_requests_by_version')
      .on('transition_requests')
      .columns(['model', 'version', 'status'])
      .execute();
  },
});
