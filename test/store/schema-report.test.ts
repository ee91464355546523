import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  postgresSchemaSection,
  regenerateCommand,
  schemaReport,
  schemaReportPath,
  sqliteSchemaSection,
} from '../../scripts/schema-report/schema-report.js';
import { pgUrl, postgresForSuite } from './engines.js';

/**
 * The committed docs/reference/schema.md must equal what the migrations build on fresh databases
 * (Backstage's `report.sql.md`). After adding a migration, regenerate it with the command below
 * and commit the diff. Without PostgreSQL (never in CI) only the SQLite section is compared.
 */
const title = 'docs/reference/schema.md';
const withPostgres = postgresForSuite(title);
const stale = `docs/reference/schema.md is stale: run \`${regenerateCommand}\` and commit the diff`;

/** The `## <engine>` section of the report, up to the next engine's heading. */
function section(report: string, engine: string): string | undefined {
  return report.split(/^(?=## )/m).find((part) => part.startsWith(`## ${engine}\n`));
}

describe(title, () => {
  const committed = readFileSync(schemaReportPath, 'utf8');

  it('describes what the migrations build on a fresh SQLite database', async () => {
    const sqlite = await sqliteSchemaSection();
    expect(section(committed, 'SQLite'), stale).toBe(section(`${sqlite}\n`, 'SQLite'));
  });

  it.skipIf(!withPostgres)(
    'matches, byte for byte, what the migrations build on SQLite and PostgreSQL',
    async () => {
      const current = schemaReport({
        sqlite: await sqliteSchemaSection(),
        postgres: await postgresSchemaSection(pgUrl),
      });
      expect(committed, stale).toBe(current);
    },
  );
});
