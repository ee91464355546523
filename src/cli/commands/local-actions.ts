/** The code behind local-commands.ts, loaded when one of those commands runs. */
import { writeFile } from 'node:fs/promises';
import { toJson } from '../check-report.js';
import { exitCodes } from '../exit-codes.js';
import type { Io } from '../lazy.js';
import { createProgress } from '../progress.js';
import { renderCheckJunit } from '../render/render-check-junit.js';
import { renderCheckMarkdown } from '../render/render-check-markdown.js';
import { renderCheckText } from '../render/render-check-text.js';
import { renderEvalText } from '../render/render-eval-text.js';
import type { CheckFormat } from './local-commands.js';
import { explainPolicyFile, initPolicy, validatePolicies } from './policy-commands.js';
import { runCheck } from './run-check.js';
import { parseConfidence, parseThreshold, runEval } from './run-eval.js';
import { renderExamples, runExamples } from './run-examples.js';

export const initCommand = (io: Io, o: { template: string; output: string; force: boolean }) =>
  initPolicy(o, io);

export const validateCommand = (io: Io, files: string[], o: { format: string }) =>
  validatePolicies(files, o.format, io);

export const explainCommand = (io: Io, file: string) => explainPolicyFile(file, io);

export async function evalCommand(
  io: Io,
  o: Record<string, string | string[] | undefined>,
): Promise<number> {
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
  io.stdout.write(o.format === 'json' ? `${toJson(report)}\n` : renderEvalText(report));
  return exitCodes.ok;
}

export async function checkCommand(io: Io, o: Record<string, string | undefined>): Promise<number> {
  const report = await runCheck({
    policyFile: String(o.policy),
    transition: String(o.transition),
    evidenceDir: String(o.evidence),
    ...(o.baseline ? { baselineDir: o.baseline } : {}),
    changeType: (o.changeType ?? 'standard') as 'standard' | 'emergency' | 'experiment',
    progress: createProgress('reading evidence'),
  });
  const renderers = {
    text: renderCheckText,
    json: (r: typeof report) => `${toJson(r)}\n`,
    junit: renderCheckJunit,
    markdown: renderCheckMarkdown,
  };
  const text = renderers[(o.format ?? 'text') as CheckFormat](report);
  io.stdout.write(text);
  if (o.output) await writeFile(o.output, text);
  return report.decision === 'allowed' ? exitCodes.ok : exitCodes.denied;
}

export async function examplesCommand(io: Io, dir: string, o: { format: string }): Promise<number> {
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
