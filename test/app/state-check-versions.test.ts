/**
 * The version columns decisions read, proven against `version.registered` on both engines (attack
 * pass M3): `artifact_uri` (where production's artefact is fetched from), `lineage` (its trainer
 * feeds separation of duties) and `created_by` (the registrar may not approve), each edited by
 * hand behind the service's back, are named by the state check while the log itself verifies. A
 * registration written before the entry carried a lineage digest still checks clean, with a note.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { compareAuditState } from '../../src/app/audit-log/compare-audit-state.js';
import { emptyExpectedState } from '../../src/app/audit-log/replay-audit-state.js';
import { checkStoredState, registerVersion } from '../../src/app/index.js';
import { canonicalJson, type Lineage } from '../../src/domain/index.js';
import { eachEngine } from '../store/engines.js';
import { people, type StoreHarness, setupModel } from './harness.js';
import { behindTheService, openHarness } from './state-fixtures.js';

const lineage: Lineage = {
  codeCommit: 'a'.repeat(40),
  dataSnapshotId: 'snap-7',
  configDigest: `sha256:${'c'.repeat(64)}`,
  seed: 7,
  trainedBy: 'tess.tech',
};

/** The documented format: SHA-256 of the lineage's RFC 8785 canonical JSON. */
const digestOf = (value: Lineage) =>
  `sha256:${createHash('sha256').update(canonicalJson(value)).digest('hex')}`;

async function registered(h: StoreHarness, model: string): Promise<void> {
  await setupModel(h, 'credit-risk', model, 'regulated');
  await registerVersion(h.deps, people.ci, {
    model,
    version: '1',
    artifactUri: `s3://models/${model}/1`,
    artifactDigest: `sha256:${'1'.repeat(64)}`,
    lineage,
  });
}

const about = (check: Awaited<ReturnType<typeof checkStoredState>>, model: string) =>
  check.disagreements
    .filter((d) => d.key.startsWith(`${model}@`))
    .map((d) => [d.table, d.key, d.field, d.expected, d.found]);

eachEngine('version columns proven against version.registered', (engine) => {
  it('finds nothing to say of versions registered and left alone', async () => {
    const h = await openHarness(engine);
    await registered(h, 'calm-pd');
    const check = await checkStoredState(h.deps);
    expect(about(check, 'calm-pd')).toEqual([]);
    expect(check.problems).toEqual([]);
    expect(check.notes).toEqual([]);
  });

  it('names a version whose artifact_uri was pointed at another artefact by SQL', async () => {
    const h = await openHarness(engine);
    await registered(h, 'uri-pd');
    await behindTheService(engine.openDialect(), ['versions'], async (db) => {
      await sql`update versions set artifact_uri = 's3://attacker/model.bin' where model = 'uri-pd'`.execute(
        db,
      );
    });
    const check = await checkStoredState(h.deps);
    expect(about(check, 'uri-pd')).toEqual([
      ['versions', 'uri-pd@1', 'artifact_uri', 's3://models/uri-pd/1', 's3://attacker/model.bin'],
    ]);
  });

  it('names a version whose lineage was edited by SQL to change its trainer', async () => {
    const h = await openHarness(engine);
    await registered(h, 'trainer-pd');
    const forged = { ...lineage, trainedBy: 'someone.else' };
    await behindTheService(engine.openDialect(), ['versions'], async (db) => {
      await sql`update versions set lineage = ${canonicalJson(forged)} where model = 'trainer-pd'`.execute(
        db,
      );
    });
    const check = await checkStoredState(h.deps);
    expect(about(check, 'trainer-pd')).toEqual([
      ['versions', 'trainer-pd@1', 'lineage', digestOf(lineage), digestOf(forged)],
    ]);
  });

  it('names a version whose registrar (created_by) was changed by SQL', async () => {
    const h = await openHarness(engine);
    await registered(h, 'registrar-pd');
    await behindTheService(engine.openDialect(), ['versions'], async (db) => {
      await sql`update versions set created_by = 'nobody' where model = 'registrar-pd'`.execute(db);
    });
    const check = await checkStoredState(h.deps);
    expect(about(check, 'registrar-pd')).toEqual([
      ['versions', 'registrar-pd@1', 'created_by', 'ci.pipeline', 'nobody'],
    ]);
  });

  it('accepts a registration logged before the lineage digest, with a note, and still compares its URI', async () => {
    const h = await openHarness(engine);
    await setupModel(h, 'credit-risk', 'old-pd', 'regulated');
    const model = await h.store.read((tx) => tx.models.get('old-pd'));
    const time = h.clock.now().toISOString();
    // What releases before the lineage digest wrote: the same entry without `digests.lineage`.
    await h.store.transaction(async (tx) => {
      const version = {
        model: 'old-pd',
        version: '0.9',
        artifactUri: 's3://models/old-pd/0.9',
        artifactDigest: `sha256:${'9'.repeat(64)}`,
        lineage,
        createdAt: time,
        createdBy: people.ci.id,
      };
      await tx.versions.insert(version, {
        model: 'old-pd',
        version: '0.9',
        state: 'draft',
        since: time,
      });
      await tx.audit.append({
        time,
        actor: { id: people.ci.id, kind: people.ci.kind },
        action: 'version.registered',
        subject: { type: 'version', id: 'old-pd@0.9' },
        digests: { artifact: version.artifactDigest, policy: model?.policyDigest ?? '' },
        data: { artifactUri: version.artifactUri, state: 'draft' },
      });
    });
    const clean = await checkStoredState(h.deps);
    expect(about(clean, 'old-pd')).toEqual([]);
    expect(clean.problems).toEqual([]);
    expect(clean.notes).toEqual([
      '1 version was registered before version.registered logged a lineage digest (old-pd@0.9): its lineage cannot be compared with the log.',
    ]);
    await behindTheService(engine.openDialect(), ['versions'], async (db) => {
      await sql`update versions set artifact_uri = 's3://attacker/old.bin' where model = 'old-pd'`.execute(
        db,
      );
    });
    const edited = await checkStoredState(h.deps);
    expect(about(edited, 'old-pd')).toEqual([
      ['versions', 'old-pd@0.9', 'artifact_uri', 's3://models/old-pd/0.9', 's3://attacker/old.bin'],
    ]);
  });
});

describe('the lineage held against its logged digest', () => {
  const logged = (value: Lineage) => {
    const expected = emptyExpectedState();
    expected.versions.set('m@1', {
      model: 'm',
      version: '1',
      artifactDigest: '',
      lineageDigest: digestOf(value),
      createdBy: 'ci',
      state: 'draft',
      since: '2026-01-01T00:00:00.000Z',
    });
    return expected;
  };
  const found = (value: Lineage) => ({
    models: [],
    serving: [],
    requests: [],
    approvals: [],
    versions: [
      {
        model: 'm',
        version: '1',
        artifactUri: 's3://m/1',
        artifactDigest: '',
        lineage: value,
        createdBy: 'ci',
        state: 'draft',
        stateSince: '2026-01-01T00:00:00.000Z',
      },
    ],
  });

  it('agrees when key order differs from the canonical one (integer-like keys parse first)', () => {
    // JSON.parse puts "9" before "10"; RFC 8785 sorts "10" first: only the canonical form matches.
    const parsed = JSON.parse('{"10":"b","9":"a","trainedBy":"tess"}') as Lineage;
    expect(compareAuditState(logged(parsed), found(parsed))).toEqual([]);
  });

  it('names a column edited into JSON canonical JSON cannot carry, without throwing', () => {
    const forged = JSON.parse('{"trainedBy":"\\ud800"}') as Lineage;
    const [d] = compareAuditState(logged(lineage), found(forged));
    expect(d).toMatchObject({ table: 'versions', key: 'm@1', field: 'lineage' });
    expect(d?.found).toMatch(/^\(not canonical JSON: /);
  });
});
