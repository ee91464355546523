/** The code behind `clearance import mlflow`, loaded when it runs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MlflowImportSummary, runMlflowImport } from '../../app/index.js';
import { openRegistry } from '../../compose.js';
import { loadConfig } from '../../config.js';
import { invalidInput } from '../../domain/index.js';
import { toJson } from '../check-report.js';
import { exitCodes } from '../exit-codes.js';
import type { Io } from '../lazy.js';
import { createMlflowRestSource } from '../mlflow/mlflow-rest-source.js';
import { createProgress } from '../progress.js';
import { operator, registryExists } from '../registry/local-registry.js';

interface ImportFlags {
  from: string;
  token?: string;
  model?: string[];
  policy?: string;
  ownerTeam?: string;
  productionAlias?: string;
  pageSize: string;
  dryRun?: boolean;
  database?: string;
  dataDir?: string;
  format?: string;
}

function pageSizeOf(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw invalidInput(
      `--page-size "${text}" is not a whole number from 1 to 1000.`,
      'MLflow caps max_results of a registered-model search at 1000.',
    );
  }
  return n;
}

async function policyOf(o: ImportFlags): Promise<{ text: string; file: string } | undefined> {
  if ((o.policy === undefined) !== (o.ownerTeam === undefined)) {
    throw invalidInput(
      '--policy and --owner-team go together.',
      'Pass both to register the models Clearance does not have yet, or neither to import only into models it has.',
    );
  }
  if (o.policy === undefined) return undefined;
  try {
    return { text: await readFile(o.policy, 'utf8'), file: o.policy };
  } catch {
    throw invalidInput(`Cannot read policy file ${o.policy}.`, 'Check the path.');
  }
}

export function renderImportSummary(s: MlflowImportSummary): string {
  const m = s.models;
  const v = s.versions;
  const lines = [
    `${s.dryRun ? 'Dry run (nothing written): would import' : 'Imported'} from MLflow at ${s.source}:`,
    `  models:   ${m.created} created, ${m.updated} updated, ${m.unchanged} unchanged, ${m.failed} failed`,
    `  versions: ${v.created} created, ${v.unchanged} unchanged, ${v.skipped} skipped, ${v.failed} failed`,
  ];
  if (s.baselines.length > 0) lines.push(`  production baselines: ${s.baselines.join(', ')}`);
  if (s.metadataChanges > 0)
    lines.push(`  tags, descriptions and aliases: ${s.metadataChanges} changed to MLflow's`);
  for (const o of s.objects) {
    if (o.note === undefined) continue;
    const label = o.outcome === 'failed' ? 'failed' : o.outcome === 'skipped' ? 'skipped' : 'note';
    lines.push(`  ${label} ${o.id}: ${o.note}`);
  }
  const changed = m.created + m.updated + v.created + s.metadataChanges;
  if (!s.dryRun && changed === 0 && m.failed + v.failed === 0) {
    lines.push('Nothing changed: everything was imported already.');
  }
  return `${lines.join('\n')}\n`;
}

export async function importMlflowCommand(io: Io, o: ImportFlags): Promise<number> {
  const pageSize = pageSizeOf(o.pageSize);
  const policy = await policyOf(o);
  const config = loadConfig({
    flags: { database: o.database, dataDir: o.dataDir, mlflowTrackingToken: o.token },
  });
  const source = createMlflowRestSource({
    from: o.from,
    token: config.mlflowTrackingToken,
    pageSize,
  });
  // A dry run writes nothing, not even a new registry: with none there yet it plans against an
  // empty one in a scratch directory, removed after.
  const scratch =
    o.dryRun === true && !registryExists(config)
      ? mkdtempSync(join(tmpdir(), 'clearance-dry-run-'))
      : undefined;
  const registry = await openRegistry(
    scratch === undefined
      ? config
      : {
          ...config,
          database: `sqlite:${join(scratch, 'clearance.db')}`,
          dataDir: scratch,
          blobStore: 'file',
          auditSigningKeyFile: '',
        },
  ).catch((error: unknown) => {
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
    throw error;
  });
  const progress = createProgress('importing from MLflow');
  let summary: MlflowImportSummary;
  try {
    summary = await runMlflowImport(registry.deps, operator, {
      source,
      ...(o.model ? { models: o.model } : {}),
      ...(policy ? { policy } : {}),
      ...(o.ownerTeam === undefined ? {} : { ownerTeam: o.ownerTeam }),
      ...(o.productionAlias === undefined ? {} : { productionAlias: o.productionAlias }),
      dryRun: o.dryRun === true,
      onProgress: (done, total) => progress.update(done, total),
    });
  } finally {
    progress.finish();
    await registry.close();
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  }
  io.stdout.write(o.format === 'json' ? `${toJson(summary)}\n` : renderImportSummary(summary));
  return summary.models.failed + summary.versions.failed > 0 ? exitCodes.denied : exitCodes.ok;
}
