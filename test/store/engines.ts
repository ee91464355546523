/**
 * The storage engines the store-backed suites run on (STYLE.md "Tests"): one list, `testEngines`,
 * and one loop, `describeEachEngine`, under both `eachEngine` (a database per test file, for
 * engine-level suites) and test/app/harness.ts's `forEachStore` (a store per test, for use cases).
 * SQLite: a fresh file. PostgreSQL: a template database migrated once per set of migrations,
 * cloned with CREATE DATABASE … TEMPLATE and dropped afterwards. Without PostgreSQL the PostgreSQL
 * half is skipped loudly — except in CI, where it fails.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import type { Store } from '../../src/app/shared/ports.js';
import {
  createStore,
  migrationNames,
  openDialect,
  type StoreConfig,
  type StoreDialect,
} from '../../src/store/index.js';

/** `memory` is the in-memory fake (test/fakes/in-memory-store.ts); the others are databases. */
export type EngineName = 'memory' | 'sqlite' | 'postgres';
export type DatabaseEngineName = Exclude<EngineName, 'memory'>;

/**
 * The engines every store-backed suite runs on: CLEARANCE_TEST_STORES (comma-separated), by
 * default `sqlite,postgres`. The in-memory fake is held to the real engines' behaviour by the
 * store contract suite (test/store/store-contract.test.ts, which always runs it), so running every
 * use-case suite on it too would only repeat the gates' statistics; add `memory` to include it.
 * Suites that need SQL (`eachEngine`) run on the databases of the list only.
 */
const testEngines: readonly EngineName[] = (process.env.CLEARANCE_TEST_STORES ?? 'sqlite,postgres')
  .split(',')
  .map((e) => e.trim())
  .filter((e): e is EngineName => e === 'memory' || e === 'sqlite' || e === 'postgres');

/**
 * Declares `suite` once per engine of `testEngines` that `runsOn` accepts, titled
 * `title [engine]`. When PostgreSQL does not answer, its suite is declared skipped (with
 * `available` false, so it must not open anything) after a loud warning — or, in CI, a failure.
 */
export function describeEachEngine<E extends EngineName>(
  title: string,
  runsOn: (name: EngineName) => name is E,
  suite: (name: E, available: boolean) => void,
): void {
  for (const name of testEngines.filter(runsOn)) {
    if (name === 'postgres' && !postgresForSuite(title)) {
      describe.skip(`${title} [${name}]`, () => suite(name, false));
      continue;
    }
    describe(`${title} [${name}]`, () => suite(name, true));
  }
}

const isDatabase = (name: EngineName): name is DatabaseEngineName => name !== 'memory';

/** The database engines of `testEngines` a suite that drives its own processes can use now. */
export function databaseEnginesFor(title: string): DatabaseEngineName[] {
  return testEngines.filter(isDatabase).filter((n) => n !== 'postgres' || postgresForSuite(title));
}

export interface TestEngine {
  readonly name: DatabaseEngineName;
  /** The database of this test file; valid inside tests and hooks. */
  config(): StoreConfig;
  /** A migrated Store on this file's database, closed after the file. */
  openStore(): Promise<Store>;
  /** Raw access for engine-level tests (triggers, column types); closed after the file. */
  openDialect(): StoreDialect;
}

/** `engine`'s database (PostgreSQL only), with the search path set to `schema`. */
export function urlInSchema(engine: TestEngine, schema: string): string {
  const config = engine.config();
  if (config.engine !== 'postgres') throw new Error('PostgreSQL only');
  const url = new URL(config.url);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

const explicitPgUrl = process.env.CLEARANCE_TEST_PG_URL;
/** The PostgreSQL server the suites use: CLEARANCE_TEST_PG_URL, else the local default. */
export const pgUrl = explicitPgUrl ?? 'postgres://postgres@127.0.0.1:5432/test';
const pgAvailable = await answers(pgUrl);

/** Runs an engine-level suite once per database engine, on one database per test file. */
export function eachEngine(title: string, suite: (engine: TestEngine) => void): void {
  describeEachEngine(title, isDatabase, (name, available) => {
    if (!available) return suite(unavailable(name));
    const engine = new LiveEngine(name);
    beforeAll(() => engine.setUp());
    afterAll(() => engine.tearDown());
    suite(engine);
  });
}

/** Fails in CI (or with CLEARANCE_TEST_PG_URL set) when PostgreSQL does not answer; else warns. */
function warnPostgresMissing(title: string): void {
  if (process.env.CI === 'true' || explicitPgUrl !== undefined) {
    throw new Error(
      `PostgreSQL at ${pgUrl} does not answer; the store suites must run on PostgreSQL here (CI or CLEARANCE_TEST_PG_URL set)`,
    );
  }
  console.warn(
    `\n${'!'.repeat(72)}\n!! SKIPPED: PostgreSQL tests for "${title}" — nothing answers at ${pgUrl}.\n!! Start PostgreSQL or set CLEARANCE_TEST_PG_URL; in CI this is a failure.\n${'!'.repeat(72)}\n`,
  );
}

export interface FreshPostgres {
  /** Connection URL of a migrated database of its own. */
  url: string;
  drop(): Promise<void>;
}

/**
 * Whether a suite can run on PostgreSQL — `describeEachEngine`'s, or one of its own (several server
 * processes on one database); skipping says so loudly, and in CI it fails instead.
 */
export function postgresForSuite(title: string): boolean {
  if (!pgAvailable) warnPostgresMissing(title);
  return pgAvailable;
}

/**
 * A migrated SQLite file at `file`, copied from a template migrated once per `templateKey()` and
 * kept in the temporary directory (as the PostgreSQL templates are kept): migrating a new file
 * costs ~0.4 s of DDL and fsyncs, a copy milliseconds, and the use-case suites open one per test.
 */
export async function freshSqliteFile(file: string): Promise<void> {
  await copyFile(await sqliteTemplate(), file);
}

let sqliteTemplateFile: Promise<string> | undefined;

function sqliteTemplate(): Promise<string> {
  sqliteTemplateFile ??= (async () => {
    const template = join(tmpdir(), `clearance-sqlite-template-${templateKey()}.db`);
    if (
      await stat(template).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return template;
    // Built under a name of its own and renamed, so a worker never copies a half-migrated file;
    // closing the store checkpoints its WAL into the file, so the file alone is the database.
    const dir = await mkdtemp(join(tmpdir(), 'clearance-sqlite-template-'));
    try {
      const store = await createStore({ engine: 'sqlite', file: join(dir, 'template.db') });
      await store.close();
      await rename(join(dir, 'template.db'), template);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    return template;
  })();
  return sqliteTemplateFile;
}

/** A migrated database cloned from the template, for servers started as separate processes. */
export async function freshPostgresDatabase(): Promise<FreshPostgres> {
  const database = await clonePostgresTemplate();
  return {
    url: withDatabase(pgUrl, database),
    drop: async () => {
      await adminQuery(`drop database if exists "${database}" with (force)`);
    },
  };
}

class LiveEngine implements TestEngine {
  readonly name: DatabaseEngineName;
  #config: StoreConfig | undefined;
  #cleanup: (() => Promise<void>) | undefined;
  readonly #open: { close(): Promise<void> }[] = [];

  constructor(name: DatabaseEngineName) {
    this.name = name;
  }

  async setUp(): Promise<void> {
    if (this.name === 'sqlite') {
      const dir = await mkdtemp(join(tmpdir(), 'clearance-store-'));
      this.#config = { engine: 'sqlite', file: join(dir, 'clearance.db') };
      this.#cleanup = () => rm(dir, { recursive: true, force: true });
    } else {
      const database = await clonePostgresTemplate();
      this.#config = { engine: 'postgres', url: withDatabase(pgUrl, database) };
      this.#cleanup = async () => {
        await adminQuery(`drop database if exists "${database}" with (force)`);
      };
    }
  }

  async tearDown(): Promise<void> {
    for (const handle of this.#open.splice(0)) await handle.close();
    await this.#cleanup?.();
  }

  config(): StoreConfig {
    if (this.#config === undefined) throw new Error('TestEngine used outside a test or hook');
    return this.#config;
  }

  async openStore(): Promise<Store> {
    const store = await createStore(this.config());
    this.#open.push(store);
    return store;
  }

  openDialect(): StoreDialect {
    const dialect = openDialect(this.config());
    this.#open.push({ close: () => dialect.destroy() });
    return dialect;
  }
}

function unavailable(name: DatabaseEngineName): TestEngine {
  const fail = (): never => {
    throw new Error(`${name} is not available`);
  };
  return { name, config: fail, openStore: fail, openDialect: fail };
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function adminQuery(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

/**
 * What a template is migrated from: the migration names and the source of the migrations and of
 * the dialects (whose SQL the migrations run), so a template built before an edit of either is
 * never cloned after it.
 */
function templateKey(): string {
  const hash = createHash('sha256').update(migrationNames.join('\n'));
  const store = join(import.meta.dirname, '..', '..', 'src', 'store');
  for (const folder of ['migrations', 'dialects']) {
    for (const file of readdirSync(join(store, folder)).sort()) {
      hash.update(`\n${folder}/${file}\n`).update(readFileSync(join(store, folder, file)));
    }
  }
  return hash.digest('hex').slice(0, 12);
}

/**
 * Migrates `clearance_template_<templateKey()>` once (under an advisory lock, since
 * test files run in parallel workers), then clones it for one test file.
 */
async function clonePostgresTemplate(): Promise<string> {
  const hash = templateKey();
  const template = `clearance_template_${hash}`;
  const clone = `clearance_t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock(7426001)');
    const found = await client.query('select 1 from pg_database where datname = $1', [template]);
    if (found.rowCount === 0) {
      // Build under another name and rename, so a crash never leaves a half-migrated template.
      const building = `${template}_building`;
      await client.query(`drop database if exists "${building}" with (force)`);
      await client.query(`create database "${building}"`);
      const store = await createStore({ engine: 'postgres', url: withDatabase(pgUrl, building) });
      await store.close();
      await client.query(`alter database "${building}" rename to "${template}"`);
    }
    await client.query(`create database "${clone}" template "${template}"`);
  } finally {
    await client.query('select pg_advisory_unlock(7426001)').catch(() => undefined);
    await client.end();
  }
  return clone;
}
