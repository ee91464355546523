/**
 * `clearance evidence-pack export` and `clearance policy backtest`: both open the registry
 * directly (database + data directory) and act as the operator `system:cli` with the auditor
 * role — direct-database commands are operator actions, recorded in the audit log as such.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { type BacktestReport, backtestPolicy, buildEvidencePack } from '../../app/index.js';
import { openRegistry, type Registry } from '../../compose.js';
import { loadConfig } from '../../config.js';
import { ClearanceError, type Principal, parseDuration } from '../../domain/index.js';
import { toJson } from '../check-report.js';
import { exitCodes } from '../exit-codes.js';
import { loadPolicyFile } from '../load-policy-file.js';

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

interface LiveOptions {
  database?: string;
  dataDir?: string;
}

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

function invalid(message: string, fix: string): ClearanceError {
  return new ClearanceError('invalid_input', message, { problems: [{ message, fix }] });
}

async function assertWritableDir(dir: string, force: boolean): Promise<void> {
  const existing = await readdir(dir).catch(() => [] as string[]);
  if (existing.length > 0 && !force)
    throw invalid(
      `Output directory ${dir} is not empty.`,
      'Choose an empty or new directory, or pass --force to write into it.',
    );
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
  const dir = resolve(o.output);
  await assertWritableDir(dir, o.force);
  const pack = await withRegistry(o, (r) =>
    buildEvidencePack(r.deps, operator, {
      model: o.model,
      version: o.version,
      log: { origin: r.auditSigner.origin, verifierKey: r.verifierKey },
    }),
  );
  for (const file of pack.files) {
    const target = join(dir, ...file.path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.bytes);
  }
  const { manifest } = pack;
  if (o.format === 'json') {
    io.stdout.write(`${toJson({ directory: dir, manifest })}\n`);
    return exitCodes.ok;
  }
  const audit = manifest.audit;
  const checkpoint = audit.checkpoint
    ? `checkpoint of size ${audit.checkpoint.size}`
    : 'no signed checkpoint';
  io.stdout.write(
    [
      `Evidence pack for ${manifest.model} ${manifest.version} written to ${dir}`,
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
    ].join('\n'),
  );
  return exitCodes.ok;
}

function parseSince(text: string | undefined, now: Date): Date | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms !== undefined) return new Date(now.getTime() - ms);
  const at = new Date(text);
  if (!Number.isNaN(at.getTime()) && /^\d{4}-\d{2}-\d{2}/.test(text)) return at;
  throw invalid(
    `--since ${text} is neither a duration nor a date.`,
    'Use a duration such as 90d or 2w, or a date such as 2026-01-31.',
  );
}

async function runBacktest(
  o: LiveOptions & { policy: string; model?: string; since?: string; format: string },
  io: Io,
): Promise<number> {
  const since = parseSince(o.since, new Date());
  const loaded = await loadPolicyFile(o.policy);
  const report = await withRegistry(o, (r) =>
    backtestPolicy(r.deps, operator, {
      policyText: loaded.text,
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
  return command
    .option('--database <url>', 'sqlite:<file> or postgres:// URL (default: from config)')
    .option('--data-dir <dir>', 'data directory holding the blobs and audit signing key');
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
      .requiredOption('--output <dir>', 'directory to write the pack into (new or empty)')
      .option('--force', 'write into a non-empty directory', false),
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
    .action(async (o: Record<string, string | undefined>) => {
      setExit(
        await runBacktest(
          {
            ...(o as LiveOptions),
            policy: String(o.policy),
            ...(o.model ? { model: o.model } : {}),
            ...(o.since ? { since: o.since } : {}),
            format: String(o.format),
          },
          io,
        ),
      );
    });
}
