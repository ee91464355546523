/**
 * The code behind local-commands.ts, loaded when one of those commands runs. Each command imports
 * only its own modules (and `check` only its output format's renderer): `clearance check` runs in
 * CI on every change, so its start-up is measured (bench/cli-startup.ts).
 */
import { writeFile } from 'node:fs/promises';
import type { CheckReport } from '../check-report.js';
import { toJson } from '../check-report.js';
import { exitCodes } from '../exit-codes.js';
import type { Io } from '../lazy.js';
import { createProgress } from '../progress.js';
import type { CheckFormat } from './local-commands.js';

const policyCommands = () => import('./policy-commands.js');

export const initCommand = async (
  io: Io,
  o: { template: string; output: string; force: boolean; evidence?: string | false },
) => (await policyCommands()).initPolicy(o, io);

export const validateCommand = async (io: Io, files: string[], o: { format: string }) =>
  (await policyCommands()).validatePolicies(files, o.format, io);

export const explainCommand = async (io: Io, file: string, o: { format: string }) =>
  (await policyCommands()).explainPolicyFile(file, o.format, io);

export async function evalCommand(
  io: Io,
  o: Record<string, string | string[] | undefined>,
): Promise<number> {
  const { parseConfidence, parseThreshold, runEval } = await import('./run-eval.js');
  const report = await runEval({
    predictions: String(o.predictions),
    label: String(o.label),
    score: String(o.score),
    ...(o.baselineScore ? { baselineScore: String(o.baselineScore) } : {}),
    groups: (o.group as string[] | undefined) ?? [],
    threshold: parseThreshold(String(o.threshold)),
    confidence: parseConfidence(String(o.confidence)),
    progress: createProgress('reading predictions'),
  });
  io.stdout.write(
    o.format === 'json'
      ? `${toJson(report)}\n`
      : (await import('../render/render-eval-text.js')).renderEvalText(report),
  );
  return exitCodes.ok;
}

/** The renderer of one `--format`, imported on use. */
async function checkRenderer(format: CheckFormat): Promise<(report: CheckReport) => string> {
  switch (format) {
    case 'text':
      return (await import('../render/render-check-text.js')).renderCheckText;
    case 'json':
      return (report) => `${toJson(report)}\n`;
    case 'junit':
      return (await import('../render/render-check-junit.js')).renderCheckJunit;
    case 'markdown':
      return (await import('../render/render-check-markdown.js')).renderCheckMarkdown;
  }
}

export async function checkCommand(io: Io, o: Record<string, string | undefined>): Promise<number> {
  const { runCheck } = await import('./run-check.js');
  const report = await runCheck({
    policyFile: String(o.policy),
    transition: String(o.transition),
    evidenceDir: String(o.evidence),
    ...(o.baseline ? { baselineDir: o.baseline } : {}),
    changeType: (o.changeType ?? 'standard') as 'standard' | 'emergency' | 'experiment',
    progress: createProgress('reading evidence'),
  });
  const text = (await checkRenderer((o.format ?? 'text') as CheckFormat))(report);
  io.stdout.write(text);
  if (o.output) await writeFile(o.output, text);
  return report.decision === 'allowed' ? exitCodes.ok : exitCodes.denied;
}

export async function examplesCommand(io: Io, dir: string, o: { format: string }): Promise<number> {
  const { renderExamples, runExamples } = await import('./run-examples.js');
  const outcomes = await runExamples(dir);
  if (o.format === 'json') {
    io.stdout.write(
      `${toJson(outcomes.map((x) => ({ example: x.example, case: x.case.name, decision: x.report.decision, blockingGates: x.blockingGates, asExpected: x.asExpected })))}\n`,
    );
  } else {
    io.stdout.write(renderExamples(outcomes));
  }
  return outcomes.every((x) => x.asExpected) ? exitCodes.ok : exitCodes.denied;
}
