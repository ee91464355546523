/**
 * Regenerates docs/reference/schema.md from the migrations: `npx tsx scripts/generate-schema-report.ts`
 * (or `npm run schema:report`). Needs PostgreSQL: CLEARANCE_TEST_PG_URL, default
 * postgres://postgres@127.0.0.1:5432/test; it creates and drops a database of its own there.
 */
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import {
  defaultPostgresUrl,
  postgresSchemaSection,
  schemaReport,
  schemaReportPath,
  sqliteSchemaSection,
} from './schema-report/schema-report.js';

const postgresUrl = process.env.CLEARANCE_TEST_PG_URL ?? defaultPostgresUrl;
const report = schemaReport({
  sqlite: await sqliteSchemaSection(),
  postgres: await postgresSchemaSection(postgresUrl),
});
writeFileSync(schemaReportPath, report);
console.log(`wrote ${relative(process.cwd(), schemaReportPath)}`);
