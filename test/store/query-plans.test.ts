/**
 * The registry's hot reads and a governed transition touch versions, requests and the audit log
 * through indexes only, on both engines: every statement they run is recorded as it goes to the
 * driver and planned again with EXPLAIN (SQLite: `EXPLAIN QUERY PLAN`; PostgreSQL: `EXPLAIN` with
 * sequential scans disabled, so the plan shows a sequential scan only where no index can serve,
 * whatever the table's size). A full scan of one of these tables fails: it is what makes a read
 * grow with the registry instead of with the answer (issue 12 item 5, bench `BENCH_ONLY=growth`).
 */
import { CompiledQuery, type QueryResult } from 'kysely';
import { afterEach, expect, it, vi } from 'vitest';
import { bindUseCases, hotReads, registerVersion, type Store } from '../../src/app/index.js';
import { openDialect, type StoreConfig } from '../../src/store/index.js';
import { addVersion, forEachStore, people, person, setupModel, toStaging } from '../app/harness.js';
import { at } from './fixtures.js';

/** The tables that grow with the registry: no statement of the hot paths may scan them whole. */
const growing = [
  'versions',
  'version_states',
  'transition_requests',
  'approvals',
  'decisions',
  'audit_entries',
  'audit_entry_models',
  'audit_tree_nodes',
  'evidence',
  'version_changes',
];

const model = 'credit-risk-pd';

function configOf(database: string): StoreConfig {
  return database.startsWith('sqlite:')
    ? { engine: 'sqlite', file: database.slice('sqlite:'.length) }
    : { engine: 'postgres', url: database };
}

/** Every statement sent to the driver while `work` runs. */
async function recorded(work: () => Promise<void>): Promise<CompiledQuery[]> {
  // Kysely's executors share one base class whose executeQuery every statement passes through
  // (built or precompiled); a spy that calls through sees them all.
  const { DefaultQueryExecutor } = await import('kysely');
  const base = Object.getPrototypeOf(DefaultQueryExecutor.prototype) as {
    executeQuery(query: CompiledQuery): Promise<QueryResult<unknown>>;
  };
  const spy = vi.spyOn(base, 'executeQuery');
  try {
    await work();
    return spy.mock.calls.map(([query]) => query);
  } finally {
    spy.mockRestore();
  }
}

forEachStore('query plans of the hot paths', (open, engine) => {
  afterEach(() => vi.restoreAllMocks());

  it.skipIf(engine === 'memory')('scans no growing table whole', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', model, 'regulated');
    await setupModel(h, 'credit-risk', 'other-model', 'regulated');
    for (let i = 0; i < 12; i++) {
      h.clock.advance(1000);
      for (const name of [model, 'other-model']) {
        await registerVersion(h.deps, people.ci, {
          model: name,
          version: `0.${i}`,
          artifactUri: `s3://models/${name}/0.${i}`,
          artifactDigest: `sha256:${String(i % 10).repeat(64)}`,
          lineage: {},
        });
      }
    }
    await addVersion(h, { model, version: '2026.2', dir: 'credit-risk/candidates/passing' });
    const statements = await recorded(async () => {
      const auditor = person('ada.auditor', 'auditor');
      // With the reads kept in memory, as a server runs them: a kept page's count is read too.
      const use = bindUseCases({ ...h.deps, hotReads: hotReads(h.deps.store) });
      await use.getModel(auditor, model);
      await use.getVersion(auditor, { model, version: '0.5' });
      for (let i = 0; i < 2; i++) {
        await use.versionPage(auditor, { model, limit: 5 });
        await use.versionPage(auditor, { model, limit: 5, after: '0.4' });
        await use.listVersions(auditor, model);
      }
      await use.serving(auditor, model);
      await use.listRequests(auditor, { model });
      await use.auditEntries(auditor, { model, limit: 10 });
      await toStaging(h, model, '2026.2');
    });
    const planned = statements.filter((q) => /^\s*(select|update|delete|with)\b/i.test(q.sql));
    expect(planned.length).toBeGreaterThan(20);

    const dialect = openDialect(configOf(h.database as string));
    try {
      const scans: string[] = [];
      for (const query of planned) {
        for (const table of await fullScans(dialect.db, engine, query)) {
          scans.push(`${table} in: ${query.sql}`);
        }
      }
      expect(scans).toEqual([]);
    } finally {
      await dialect.destroy();
    }
  });
});

/**
 * A statement (matched by `sql`) that must reach `table` through an index range on `keys`.
 * `unfiltered`: no rows of the table may be read and then dropped by a filter.
 */
interface RangedRead {
  what: string;
  sql: RegExp;
  table: string;
  keys: readonly string[];
  unfiltered: boolean;
}

/**
 * Statements of the governed path that once read far more than they return (issue 12, session
 * 14).
 */
const governedReads: readonly RangedRead[] = [
  {
    what: "a subject's entries of some actions",
    sql: /from "audit_entries" where "subject_type"/,
    table: 'audit_entries',
    // On (action) alone this walked every entry of the action in the whole log.
    keys: ['subject_type', 'subject_id', 'action'],
    unfiltered: false,
  },
  {
    what: "one version's requests",
    sql: /from "transition_requests" where "model" = \S+ and "version" = /,
    table: 'transition_requests',
    keys: ['model', 'version'],
    unfiltered: false,
  },
  {
    what: 'a version beside the production one',
    sql: /0 as "part"/,
    table: 'version_states',
    keys: ['model'],
    // PostgreSQL's generic plan read every state of the model to keep the production one.
    unfiltered: true,
  },
  {
    what: 'the holders of the roles a request awaits',
    sql: /from "role_bindings" left join "users"/,
    table: 'role_bindings',
    // It read every binding of the registry (listRoleGrants) and a user per binding kept.
    keys: ['role', 'model'],
    unfiltered: true,
  },
];

forEachStore('query plans of the governed path', (open, engine) => {
  afterEach(() => vi.restoreAllMocks());

  it.skipIf(engine === 'memory')(
    'reads a subject, a version and the production baseline through index ranges',
    async () => {
      const h = await open();
      await setupModel(h, 'credit-risk', model, 'regulated');
      for (let i = 0; i < 3; i++) {
        h.clock.advance(1000);
        await addVersion(h, { model, version: `2026.${i}`, dir: 'credit-risk/candidates/passing' });
        await toStaging(h, model, `2026.${i}`);
      }
      await grantManyModels(h.deps.store);
      const statements = await recorded(async () => {
        await addVersion(h, { model, version: '2026.9', dir: 'credit-risk/candidates/passing' });
        await toStaging(h, model, '2026.9');
      });
      expect(
        await rangedReadProblems(h.database as string, engine, statements, governedReads),
      ).toEqual([]);
    },
  );
});

/**
 * A model's rollouts: the active one, read when a production promotion starts a canary and when
 * a rollback stops it, and all of them, for a model's rollout list. With no index leading with
 * the model (before migration 0028) they walked every active rollout of the registry, or the
 * whole table, which grows by a row per canary ever run.
 */
const rolloutReads: readonly RangedRead[] = [
  {
    what: "a model's active rollout",
    sql: /from "rollouts" where "status" in \(.*\) and "model" = /,
    table: 'rollouts',
    keys: ['model'],
    unfiltered: false,
  },
  {
    what: "a model's rollouts",
    sql: /from "rollouts" where "model" = /,
    table: 'rollouts',
    keys: ['model'],
    unfiltered: false,
  },
];

forEachStore('query plans of rollout reads', (open, engine) => {
  afterEach(() => vi.restoreAllMocks());

  it.skipIf(engine === 'memory')(
    "reads a model's rollouts through a range on the model",
    async () => {
      const h = await open();
      const statements = await recorded(async () => {
        await h.deps.store.read((tx) => tx.rollouts.list({ model, status: ['running', 'paused'] }));
        await h.deps.store.read((tx) => tx.rollouts.list({ model }));
      });
      expect(
        await rangedReadProblems(h.database as string, engine, statements, rolloutReads),
      ).toEqual([]);
    },
  );
});

/**
 * MLflow's numbering (`numberingNames`) walks migration 0029's partial indexes: the first entry
 * of `versions_by_number` from the top, in index order (no sort), and `versions_number_like`.
 * Through the key it read every version of the model, twice per registration.
 */
forEachStore('query plans of MLflow numbering', (open, engine) => {
  afterEach(() => vi.restoreAllMocks());

  it.skipIf(engine === 'memory')('reads the highest number off the index, unsorted', async () => {
    const h = await open();
    const statements = await recorded(async () => {
      await h.deps.store.read((tx) => tx.versions.numberingNames(model));
    });
    const [query] = statements.filter((q) => q.sql.includes("'digits'"));
    if (query === undefined) throw new Error('no numbering statement was run');
    const plan = await planText(h.database as string, engine, query);
    expect(plan).toContain('versions_by_number');
    expect(plan).toContain('versions_number_like');
    expect(plan).not.toMatch(/TEMP B-TREE|Sort/);
  });
});

/** `query`'s plan as text (PostgreSQL: the generic plan, sequential scans off). */
async function planText(database: string, engine: string, query: CompiledQuery): Promise<string> {
  const dialect = openDialect(configOf(database));
  try {
    if (engine === 'sqlite') {
      const plan = await dialect.db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]),
      );
      return plan.rows.map((row) => row.detail).join('\n');
    }
    return await dialect.db.connection().execute(async (conn) => {
      await conn.executeQuery(CompiledQuery.raw('set plan_cache_mode = force_generic_plan'));
      await conn.executeQuery(CompiledQuery.raw('set enable_seqscan = off'));
      await conn.executeQuery(CompiledQuery.raw(`prepare numbering_probe as ${query.sql}`));
      const values = query.parameters.map(literal).join(', ');
      const plan = await conn.executeQuery<{ 'QUERY PLAN': string }>(
        CompiledQuery.raw(`explain execute numbering_probe(${values})`),
      );
      return plan.rows.map((row) => row['QUERY PLAN']).join('\n');
    });
  } finally {
    await dialect.destroy();
  }
}

/** Each of `reads` that `statements` ran without its index range, and why, planned on `database`. */
async function rangedReadProblems(
  database: string,
  engine: string,
  statements: readonly CompiledQuery[],
  reads: readonly RangedRead[],
): Promise<string[]> {
  const dialect = openDialect(configOf(database));
  try {
    const problems: string[] = [];
    for (const read of reads) {
      const runs = statements.filter((q) => read.sql.test(q.sql));
      if (runs.length === 0) problems.push(`${read.what}: no such statement`);
      for (const query of runs) {
        for (const problem of await rangeProblems(dialect.db, engine, query, read)) {
          problems.push(`${read.what}: ${problem} in: ${query.sql}`);
        }
      }
    }
    return [...new Set(problems)];
  } finally {
    await dialect.destroy();
  }
}

/**
 * Role bindings as a registry of many models has them: each of 30 users holds the governed
 * path's roles on 10 models of its own. On a table of a handful of rows PostgreSQL costs a range
 * of the by-role index and a walk of the whole (user-first) unique index alike.
 */
async function grantManyModels(store: Store): Promise<void> {
  const roles = ['model_owner', 'risk_officer', 'tech_lead', 'compliance_officer'];
  await store.transaction(async (tx) => {
    for (let u = 0; u < 30; u++) {
      const userId = `bulk-user-${u}`;
      await tx.identity.insertUser({ id: userId, createdAt: at, createdBy: 'system:bootstrap' });
      for (let m = 0; m < 10; m++) {
        for (const role of roles) {
          await tx.identity.grantRole({
            id: `bulk-${u}-${m}-${role}`,
            userId,
            role,
            model: `bulk-model-${u}-${m}`,
            grantedAt: at,
            grantedBy: 'alice.admin',
          });
        }
      }
    }
  });
}

type Db = ReturnType<typeof openDialect>['db'];

/**
 * Where `query`'s plan reaches `read.table` other than by a range on all of `read.keys`. On
 * PostgreSQL the plan is the generic one, as a named statement runs after its fifth execution.
 */
async function rangeProblems(
  db: Db,
  engine: string,
  query: CompiledQuery,
  read: RangedRead,
): Promise<string[]> {
  const hasKeys = (condition: string) =>
    read.keys.every((key) => new RegExp(`\\b${key}\\b`).test(condition));
  if (engine === 'sqlite') {
    const plan = await db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]),
    );
    const aliases = aliasesOf(query.sql);
    return plan.rows.flatMap((row) => {
      const [, name, rest = ''] = /^(?:SCAN|SEARCH) (\w+)(.*)$/.exec(row.detail) ?? [];
      if (name === undefined || (aliases.get(name) ?? name) !== read.table) return [];
      const range = /\((.*)\)$/.exec(rest)?.[1] ?? '';
      return row.detail.startsWith('SEARCH') && hasKeys(range) ? [] : [row.detail];
    });
  }
  return db.connection().execute(async (conn) => {
    // With statistics, as a running server's tables have them: the generic plan follows them.
    // Sequential scans off, as above: these tables are a page or two here, not a million rows.
    await conn.executeQuery(CompiledQuery.raw(`analyze ${read.table}`));
    await conn.executeQuery(CompiledQuery.raw('set plan_cache_mode = force_generic_plan'));
    await conn.executeQuery(CompiledQuery.raw('set enable_seqscan = off'));
    await conn.executeQuery(CompiledQuery.raw(`prepare plan_probe as ${query.sql}`));
    try {
      // EXPLAIN takes no bound parameters: the values go in as literals.
      const values = query.parameters.map(literal).join(', ');
      const plan = await conn.executeQuery<{ 'QUERY PLAN': unknown }>(
        CompiledQuery.raw(`explain (format json) execute plan_probe(${values})`),
      );
      const found: string[] = [];
      const visit = (node: unknown) => {
        if (typeof node !== 'object' || node === null) return;
        const record = node as Record<string, unknown>;
        if (record['Relation Name'] === read.table) {
          const type = String(record['Node Type']);
          const range = String(record['Index Cond'] ?? record['Recheck Cond'] ?? '');
          if (!hasKeys(range)) found.push(`${type} without a range on ${read.keys.join(', ')}`);
          if (read.unfiltered && record.Filter !== undefined) {
            found.push(`${type} filtering ${String(record.Filter)}`);
          }
        }
        for (const value of Object.values(record)) {
          if (Array.isArray(value)) value.forEach(visit);
          else visit(value);
        }
      };
      for (const row of plan.rows) visit(row['QUERY PLAN']);
      return found;
    } finally {
      await conn.executeQuery(CompiledQuery.raw('deallocate plan_probe'));
      await conn.executeQuery(CompiledQuery.raw('reset plan_cache_mode'));
      await conn.executeQuery(CompiledQuery.raw('reset enable_seqscan'));
    }
  });
}

/** The growing tables `query`'s plan reads whole. */
async function fullScans(db: Db, engine: string, query: CompiledQuery): Promise<string[]> {
  if (engine === 'sqlite') {
    // `SCAN t` (optionally `USING [COVERING] INDEX`) reads every row; `SEARCH t` is a range.
    // Plans name tables by their alias, so aliases are mapped back from the statement's text.
    const plan = await db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]),
    );
    const aliases = aliasesOf(query.sql);
    return plan.rows.flatMap((row) => {
      const scanned = /^SCAN (\w+)/.exec(row.detail)?.[1];
      if (scanned === undefined) return [];
      const table = aliases.get(scanned) ?? scanned;
      return growing.includes(table) ? [`${table} (${row.detail})`] : [];
    });
  }
  return db.transaction().execute(async (trx) => {
    await trx.executeQuery(CompiledQuery.raw('set local enable_seqscan = off'));
    const plan = await trx.executeQuery<{ 'QUERY PLAN': unknown }>(
      CompiledQuery.raw(`explain (format json) ${query.sql}`, [...query.parameters]),
    );
    const found: string[] = [];
    const visit = (node: unknown) => {
      if (typeof node !== 'object' || node === null) return;
      const record = node as Record<string, unknown>;
      const relation = record['Relation Name'];
      const type = String(record['Node Type']);
      if (typeof relation === 'string' && growing.includes(relation)) {
        if (type === 'Seq Scan') found.push(`${relation} (Seq Scan)`);
        // With sequential scans off, a predicate no index serves shows as a whole-index walk
        // that filters (an ordered walk under a LIMIT has no filter and stops early).
        const walksIndex = type === 'Index Scan' || type === 'Index Only Scan';
        if (walksIndex && record['Index Cond'] === undefined && record.Filter !== undefined) {
          found.push(`${relation} (${type} with a filter, no index condition)`);
        }
      }
      for (const value of Object.values(record)) {
        if (Array.isArray(value)) value.forEach(visit);
        else visit(value);
      }
    };
    for (const row of plan.rows) visit(row['QUERY PLAN']);
    return found;
  });
}

/** A statement's parameter as a PostgreSQL literal. */
function literal(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`;
  throw new Error(`No literal for parameter ${String(value)}`);
}

/** `from "versions" as "v"` → v ↦ versions, for every aliased table in `sql`. */
function aliasesOf(sql: string): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const match of sql.matchAll(/"(\w+)"\s+as\s+"(\w+)"/gi)) {
    if (match[1] !== undefined && match[2] !== undefined) aliases.set(match[2], match[1]);
  }
  return aliases;
}
