/**
 * `clearance evidence-pack export` and `clearance policy backtest`. Without `--server` both open
 * the registry directly (database + data directory) and act as the operator `system:cli` with
 * the auditor role — direct-database commands are operator actions, recorded in the audit log as
 * such. With `--server` they go through the API as the token's user, who is the actor recorded.
 */
import { type Command, Option } from 'commander';
import {
  type BacktestReport,
  backtestPolicy,
  buildEvidencePack,
  type EvidencePack,
  parseSince,
  readEvidencePackArchive,
} from '../../app/index.js';
import { openRegistry, type Registry } from '../../compose.js';
import { loadConfig } from '../../config.js';
import { ClearanceError, type Principal } from '../../domain/index.js';
import { toJson } from '../check-report.js';
import { exitCodes } from '../exit-codes.js';
import { loadPolicyFile } from '../load-policy-file.js';
import {
  type ServerConnection,
  type ServerFlags,
  serverConnection,
  serverOptions,
} from '../server-flags.js';
import { assertWritable, type PackOutput, packOutput, writePack } from './evidence-pack-output.js';

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

type LiveOptions = ServerFlags;

const operator: Principal = { id: 'system:cli', kind: 'system', roles: [{ role: 'auditor' }] };

async function withRegistry<T>(o: LiveOptions, work: (r: Registry) => Promise<T>): Promise<T> {
  const registry = await openRegistry(
    loadConfig({ flags: { database: o.database, dataDir: o.dataDir } }),
  );
  try {
    return await work(registry);
  } finally {
    await registry.close();
  }
}

async function packFromDatabase(
  o: LiveOptions & { model: string; version: string },
): Promise<EvidencePack> {
  return withRegistry(o, (r) =>
    buildEvidencePack(r.deps, operator, {
      model: o.model,
      version: o.version,
      log: { origin: r.auditSigner.origin, verifierKey: r.verifierKey },
    }),
  );
}

/** Downloads the pack and checks every file against its manifest before anything is written. */
async function packFromServer(
  connection: ServerConnection,
  o: { model: string; version: string },
): Promise<{ pack: EvidencePack; archive: Uint8Array }> {
  const path = `/api/v1/models/${encodeURIComponent(o.model)}/versions/${encodeURIComponent(o.version)}/evidence-pack`;
  const { bytes } = await connection.client.download(path);
  const pack = await readEvidencePackArchive(bytes);
  const { model, version } = pack.manifest;
  if (model !== o.model || version !== o.version) {
    const message = `The server sent the pack of ${model} ${version}, not of ${o.model} ${o.version}.`;
    throw new ClearanceError('precondition_failed', message, {
      problems: [{ message, fix: 'Check that --server points at the registry you meant.' }],
    });
  }
  return { pack, archive: bytes };
}

async function exportEvidencePack(
  o: LiveOptions & {
    model: string;
    version: string;
    output: string;
    force: boolean;
    format: string;
  },
  io: Io,
): Promise<number> {
  const connection = serverConnection(o);
  const out = packOutput(o.output);
  await assertWritable(out, o.force);
  const { pack, archive } = connection
    ? await packFromServer(connection, o)
    : { pack: await packFromDatabase(o), archive: undefined };
  await writePack(out, pack, archive);
  const { manifest } = pack;
  if (o.format === 'json') {
    const where = out.kind === 'archive' ? { archive: out.path } : { directory: out.path };
    io.stdout.write(`${toJson({ ...where, manifest })}\n`);
    return exitCodes.ok;
  }
  io.stdout.write(renderPackSummary(pack, out, connection?.server));
  return exitCodes.ok;
}

function renderPackSummary(pack: EvidencePack, out: PackOutput, server?: string): string {
  const { manifest } = pack;
  const audit = manifest.audit;
  const checkpoint = audit.checkpoint
    ? `checkpoint of size ${audit.checkpoint.size}`
    : 'no signed checkpoint';
  return [
    `Evidence pack for ${manifest.model} ${manifest.version} written to ${out.path}`,
    ...(server ? [`  from:         ${server} (every file checked against the manifest)`] : []),
    `  files:        ${manifest.files.length + 1} (manifest.json included)`,
    `  pack digest:  ${manifest.packDigest}`,
    `  policies:     ${manifest.policies.join(', ') || '(none)'}`,
    `  audit:        ${audit.entries} entries, ${audit.proven} proven against the ${checkpoint}`,
    ...(audit.notCovered.length > 0
      ? [
          `  not covered:  ${audit.notCovered.length} entries are newer than the checkpoint; sign one with \`clearance audit checkpoint\` and export again to prove them`,
        ]
      : []),
    '',
  ].join('\n');
}

async function runBacktest(
  o: LiveOptions & { policy: string; model?: string; since?: string; format: string },
  io: Io,
): Promise<number> {
  const connection = serverConnection(o);
  const since = o.since === undefined ? undefined : parseSince(o.since, new Date(), '--since');
  const loaded = await loadPolicyFile(o.policy);
  const report = connection
    ? await connection.client.call<BacktestReport>('POST', '/api/v1/policies/backtest', {
        json: {
          policy: loaded.text,
          file: o.policy,
          ...(o.model ? { model: o.model } : {}),
          // The instant, not "90d": the window is the one the caller meant when they ran it.
          ...(since ? { since: since.toISOString() } : {}),
        },
      })
    : await withRegistry(o, (r) =>
        backtestPolicy(r.deps, operator, {
          policyText: loaded.text,
          policyFile: o.policy,
          ...(o.model ? { model: o.model } : {}),
          ...(since ? { since } : {}),
        }),
      );
  io.stdout.write(o.format === 'json' ? `${toJson(report)}\n` : renderBacktest(report, o.policy));
  return report.differing.length === 0 ? exitCodes.ok : exitCodes.denied;
}

function renderBacktest(report: BacktestReport, file: string): string {
  const lines = [
    `Backtest of ${file} (${report.policyName}, ${report.policyDigest})`,
    `  scope: ${report.model ?? 'all models'}${report.since ? `, decisions since ${report.since}` : ''}`,
    `  ${report.evaluated} decision(s) re-evaluated; ${report.differing.length} would differ.`,
  ];
  for (const d of report.differing) {
    lines.push(
      '',
      `${d.model} ${d.version}  ${d.transition.from} → ${d.transition.to} (${d.transition.changeType}, ${d.kind} decision ${d.decisionId}, ${d.at})`,
      `  was ${d.before.outcome}${blockers(d.before.blockingGates)}; would be ${d.after.outcome}${blockers(d.after.blockingGates)}`,
      ...d.why.map((w) => `  - ${w.why}`),
      ...d.notes.map((n) => `  - ${n}`),
    );
  }
  if (report.missingTransition.length > 0) {
    lines.push('', 'Not evaluated: the policy has no such transition');
    for (const m of report.missingTransition)
      lines.push(
        `  - ${m.model} ${m.version} ${m.transition.from} → ${m.transition.to} (${m.decisionId})`,
      );
  }
  if (report.unevaluable.length > 0) {
    lines.push('', 'Not evaluated: evidence unreadable');
    for (const m of report.unevaluable)
      lines.push(`  - ${m.model} ${m.version} (${m.decisionId}): ${m.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

const blockers = (gates: readonly string[]) =>
  gates.length > 0 ? ` (blocked by ${gates.join(', ')})` : '';

const formatOption = () =>
  new Option('--format <format>', 'output format').choices(['text', 'json']).default('text');

function live(command: Command): Command {
  return serverOptions(
    command
      .option('--database <url>', 'sqlite:<file> or postgres:// URL (default: from config)')
      .option('--data-dir <dir>', 'data directory holding the blobs and audit signing key'),
  );
}

export function registerPackAndBacktestCommands(
  program: Command,
  io: Io,
  setExit: (code: number) => void,
): void {
  const pack =
    program.commands.find((c) => c.name() === 'evidence-pack') ??
    program.command('evidence-pack').description('evidence packs for auditors');
  live(
    pack
      .command('export')
      .description("write a version's self-contained evidence pack (files + manifest of digests)")
      .argument('<model>')
      .argument('<version>')
      .requiredOption(
        '--output <dir|file.tar.gz>',
        'directory to write the pack into (new or empty), or a .tar.gz file to write it as',
      )
      .option('--force', 'write into a non-empty directory, or over an existing file', false),
  )
    .addOption(formatOption())
    .action(async (model: string, version: string, o: Record<string, unknown>) => {
      setExit(
        await exportEvidencePack(
          {
            ...(o as LiveOptions),
            model,
            version,
            output: String(o.output),
            force: o.force === true,
            format: String(o.format),
          },
          io,
        ),
      );
    });
  const policy = program.commands.find((c) => c.name() === 'policy') ?? program.command('policy');
  live(
    policy
      .command('backtest')
      .description(
        're-evaluate past decisions under a changed policy: exit 0 none differ, 1 some differ, 2 bad input',
      )
      .requiredOption('--policy <file>', 'the changed policy YAML')
      .option('--model <name>', 'only this model')
      .option('--since <when>', 'only decisions since a duration ago (90d) or a date'),
  )
    .addOption(formatOption())
    .action(async (o: Record<string, string | true | undefined>) => {
      setExit(
        await runBacktest(
          {
            ...(o as LiveOptions),
            policy: String(o.policy),
            ...(o.model ? { model: String(o.model) } : {}),
            ...(o.since ? { since: String(o.since) } : {}),
            format: String(o.format),
          },
          io,
        ),
      );
    });
}
