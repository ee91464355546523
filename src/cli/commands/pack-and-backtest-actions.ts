/** The code behind pack-and-backtest-commands.ts, loaded when one of those commands runs. */
import { type BacktestReport, type EvidencePack, parseSince } from '../../app/index.js';
import { toJson } from '../check-report.js';
import { exitCodes } from '../exit-codes.js';
import type { Io } from '../lazy.js';
import { loadPolicyFile } from '../load-policy-file.js';
import { type RegistryFlags, withCliRegistry } from '../registry/select-registry.js';
import { assertWritable, type PackOutput, packOutput, writePack } from './evidence-pack-output.js';

export async function exportPackCommand(
  io: Io,
  model: string,
  version: string,
  o: RegistryFlags & { output: string; force: boolean; format: string },
): Promise<number> {
  const out = packOutput(o.output);
  await assertWritable(out, o.force);
  const { pack, archive, server } = await withCliRegistry(o, 'database', async (registry) => ({
    ...(await registry.evidencePack({ model, version })),
    server: registry.server,
  }));
  await writePack(out, pack, archive);
  const { manifest } = pack;
  if (o.format === 'json') {
    const where = out.kind === 'archive' ? { archive: out.path } : { directory: out.path };
    io.stdout.write(`${toJson({ ...where, manifest })}\n`);
    return exitCodes.ok;
  }
  io.stdout.write(renderPackSummary(pack, out, server));
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

export async function backtestCommand(
  io: Io,
  o: RegistryFlags & { policy: string; model?: string; since?: string; format: string },
): Promise<number> {
  const since = o.since === undefined ? undefined : parseSince(o.since, new Date(), '--since');
  const loaded = await loadPolicyFile(o.policy);
  const report = await withCliRegistry(o, 'database', (registry) =>
    registry.backtest({
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
