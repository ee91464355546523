import type { Insertable, Selectable } from 'kysely';
import type { EvidenceRepository } from '../../app/shared/ports.js';
import type { EvidenceKind, EvidenceRecord } from '../../domain/index.js';
import { conflictOnDuplicate, inChunks, int, iso, type RepositoryContext } from '../columns.js';
import { preparedQuery, shapedQuery } from '../prepared-query.js';
import type { EvidenceTable } from '../schema.js';
import { tableColumns } from '../table-columns.js';

// The governed path reads a version's evidence several times per transition (attach, request,
// approvals, execution): compiled once, and on PostgreSQL parsed once per connection (ADR 033).
// Named columns, not `*`: a column a newer server adds leaves these statements valid (ADR 033).
const evidenceColumns = tableColumns('evidence', {
  model: true,
  version: true,
  path: true,
  kind: true,
  digest: true,
  size: true,
  media_type: true,
  attached_at: true,
  attached_by: true,
});

const evidenceOf = preparedQuery((db, p: { model: string; version: string }) =>
  db
    .selectFrom('evidence')
    .select(evidenceColumns)
    .where('model', '=', p.model)
    .where('version', '=', p.version)
    .orderBy('path'),
);

const evidenceOfRequest = preparedQuery((db, p: { requestId: string }) =>
  db
    .selectFrom('evidence')
    .innerJoin('transition_requests as r', (join) =>
      join.onRef('r.model', '=', 'evidence.model').onRef('r.version', '=', 'evidence.version'),
    )
    .select(evidenceColumns)
    .where('r.id', '=', p.requestId)
    .orderBy('evidence.path'),
);

// An attach inserts its files in one statement: compiled once per number of files.
const insertEvidence = shapedQuery((db, p: { rows: Insertable<EvidenceTable>[] }) =>
  db.insertInto('evidence').values(p.rows),
);

export function evidenceRepository(context: RepositoryContext): EvidenceRepository {
  const { db } = context;
  return {
    async insert(...records) {
      for (const rows of inChunks(records)) {
        const first = rows[0];
        if (first === undefined) continue;
        const paths = rows.map((r) => r.path).join(', ');
        await conflictOnDuplicate(
          context,
          () =>
            insertEvidence(db, {
              rows: rows.map((record) => ({
                model: record.model,
                version: record.version,
                path: record.path,
                kind: record.kind,
                digest: record.digest,
                size: record.size,
                media_type: record.mediaType,
                attached_at: record.attachedAt,
                attached_by: record.attachedBy,
              })),
            }),
          rows.length === 1
            ? `Evidence ${first.path} is already attached to ${first.model} ${first.version}; evidence is immutable, attach the new file under another path or register a new version`
            : `One of the evidence files ${paths} is already attached to ${first.model} ${first.version}; evidence is immutable, attach the new file under another path or register a new version`,
        );
      }
    },
    async list(model, version) {
      return (await evidenceOf(db, { model, version })).map(toEvidence);
    },
    async listOfRequest(requestId) {
      return (await evidenceOfRequest(db, { requestId })).map(toEvidence);
    },
  };
}

export function toEvidence(row: Selectable<EvidenceTable>): EvidenceRecord {
  return {
    model: row.model,
    version: row.version,
    kind: row.kind as EvidenceKind,
    path: row.path,
    digest: row.digest,
    size: int(row.size),
    mediaType: row.media_type,
    attachedAt: iso(row.attached_at),
    attachedBy: row.attached_by,
  };
}
