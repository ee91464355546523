import { writeFile } from 'node:fs/promises';
import { Command, CommanderError, Option } from 'commander';
import { ClearanceError } from '../domain/index.js';
import { toJson } from './check-report.js';
import { registerAdminCommands } from './commands/admin-commands.js';
import { registerAuditLiveCommands, verifyLiveAudit } from './commands/audit-live-commands.js';
import { readKeptCheckpoint, saveKeptCheckpoint } from './commands/audit-state-output.js';
import { renderAuditVerify, verifyAuditExport } from './commands/audit-verify.js';
import { type AuditVerifyFlags, verifyAuditThroughServer } from './commands/audit-verify-server.js';
import { registerBlobCommands } from './commands/blob-commands.js';
import { registerClientCommands } from './commands/client-commands.js';
import { registerPackAndBacktestCommands } from './commands/pack-and-backtest-commands.js';
import { explainPolicyFile, initPolicy, validatePolicies } from './commands/policy-commands.js';
import { runCheck } from './commands/run-check.js';
import { parseThreshold, runEval } from './commands/run-eval.js';
import { renderExamples, runExamples } from './commands/run-examples.js';
import { registerServeCommand } from './commands/serve-command.js';
import { exitCodes } from './exit-codes.js';
import { createProgress } from './progress.js';
import { renderCheckJunit } from './render/render-check-junit.js';
import { renderCheckMarkdown } from './render/render-check-markdown.js';
import { renderCheckText } from './render/render-check-text.js';
import { renderEvalText } from './render/render-eval-text.js';
import { reportError } from './report-error.js';

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const checkFormats = ['text', 'json', 'junit', 'markdown'] as const;

function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('clearance')
    .description('Release governance for ML model registries: policy-as-code gates and sign-offs.')
    .version('0.1.0')
    .showHelpAfterError()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride();

  program
    .command('init')
    .description('write a starter policy from a template')
    .requiredOption(
      '--template <name>',
      'credit-risk, recommender, medical-imaging, ride-sharing-eta, fraud',
    )
    .option('--output <file>', 'where to write it', 'clearance-policy.yaml')
    .option('--force', 'overwrite an existing file', false)
    .action(async (o: { template: string; output: string; force: boolean }) => {
      setExit(await initPolicy(o, io));
    });

  const policy = program.command('policy').description('validate and explain policies');
  policy
    .command('validate')
    .description('validate policy files; exit 2 if any is invalid')
    .argument('<files...>')
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'),
    )
    .action(async (files: string[], o: { format: string }) => {
      setExit(await validatePolicies(files, o.format, io));
    });
  policy
    .command('explain')
    .description('a readable summary of who must do what for each transition')
    .argument('<file>')
    .action(async (file: string) => setExit(await explainPolicyFile(file, io)));

  program
    .command('eval')
    .description('metrics recomputed from a predictions file (CSV, JSONL or Parquet)')
    .requiredOption('--predictions <file>', 'predictions on the evaluation set')
    .requiredOption('--label <column>', 'true label column (0/1)')
    .requiredOption('--score <column>', 'model score column (higher = positive)')
    .option(
      '--baseline-score <column>',
      'production model score on the same rows (paired DeLong test)',
    )
    .option('--group <column...>', 'sensitive attribute column(s) for fairness metrics', [])
    .option('--threshold <t>', 'decision threshold: score >= t is positive', '0.5')
    .option('--confidence <c>', 'confidence level of the AUC interval', '0.95')
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'),
    )
    .action(async (o: Record<string, string | string[] | undefined>) => {
      const report = await runEval({
        predictions: String(o.predictions),
        label: String(o.label),
        score: String(o.score),
        ...(o.baselineScore ? { baselineScore: String(o.baselineScore) } : {}),
        groups: (o.group as string[] | undefined) ?? [],
        threshold: parseThreshold(String(o.threshold)),
        confidence: parseThreshold(String(o.confidence)),
        progress: createProgress('reading predictions'),
      });
      io.stdout.write(o.format === 'json' ? `${toJson(report)}\n` : renderEvalText(report));
      setExit(exitCodes.ok);
    });

  program
    .command('check')
    .description(
      "evaluate a transition's gates on local evidence: exit 0 allowed, 1 denied, 2 bad input",
    )
    .requiredOption('--policy <file>', 'policy YAML')
    .requiredOption('--transition <from:to>', 'e.g. staging:production')
    .requiredOption('--evidence <dir>', "the candidate version's evidence directory")
    .option('--baseline <dir>', "the production version's evidence (predictions on the same rows)")
    .addOption(
      new Option('--change-type <type>', 'change type')
        .choices(['standard', 'emergency', 'experiment'])
        .default('standard'),
    )
    .addOption(
      new Option('--format <format>', 'output format').choices([...checkFormats]).default('text'),
    )
    .option('--output <file>', 'also write the report to this file')
    .action(async (o: Record<string, string | undefined>) => {
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
      const text = renderers[(o.format ?? 'text') as (typeof checkFormats)[number]](report);
      io.stdout.write(text);
      if (o.output) await writeFile(o.output, text);
      setExit(report.decision === 'allowed' ? exitCodes.ok : exitCodes.denied);
    });

  program
    .command('examples')
    .description("run every worked example's cases and say whether each was decided as expected")
    .argument('[dir]', 'examples directory', 'examples')
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'),
    )
    .action(async (dir: string, o: { format: string }) => {
      const outcomes = await runExamples(dir);
      if (o.format === 'json') {
        io.stdout.write(
          `${toJson(outcomes.map((x) => ({ example: x.example, case: x.case.name, decision: x.report.decision, blockingGates: x.blockingGates, asExpected: x.asExpected })))}\n`,
        );
      } else {
        io.stdout.write(renderExamples(outcomes));
      }
      setExit(outcomes.every((x) => x.asExpected) ? exitCodes.ok : exitCodes.denied);
    });

  const audit = program.command('audit').description('verify the tamper-evident audit log');
  audit
    .command('verify')
    .description('verify an exported audit log offline; exit 1 names the first entry that fails')
    .option('--file <export>', 'a file written by `clearance audit export` (default: the live log)')
    .option(
      '--server [url]',
      "verify the live log through this server's API (auditor token; alone: CLEARANCE_SERVER)",
    )
    .option('--token <token>', 'with --server: API token (default CLEARANCE_TOKEN)')
    .option('--database <url>', 'without --file: the database whose log to verify')
    .option('--data-dir <dir>', 'without --file: the data directory holding the signing key')
    .option('--key <vkey...>', 'C2SP verifier key(s) to trust (default: the keys in the file)', [])
    .option('--origin <origin>', 'the log origin the checkpoints must name')
    .option(
      '--since <checkpoint>',
      'a signed checkpoint file kept from your last verification: the log must still reach and match it',
    )
    .option(
      '--save-checkpoint <file>',
      'when the log verifies, write its newest checkpoint here: pass it as --since next time',
    )
    .option('--state', 'also check the database rows against the log (not with --file)')
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'),
    )
    .action(async (o: AuditVerifyFlags & { file?: string }) => {
      if (o.state && o.file !== undefined) {
        const message = '--state checks a database against its log; an export holds no rows.';
        throw new ClearanceError('invalid_input', message, {
          problems: [{ message, fix: 'Drop --file (or --state), or add --server.' }],
        });
      }
      if (o.server !== undefined && o.file === undefined) {
        return setExit(await verifyAuditThroughServer({ ...o, server: o.server }, io));
      }
      if (o.file === undefined) return setExit(await verifyLiveAudit(o, io));
      const report = await verifyAuditExport({
        file: o.file,
        keys: o.key,
        ...(o.origin ? { origin: o.origin } : {}),
        since: await readKeptCheckpoint(o.since),
        progress: createProgress('verifying audit log'),
      });
      io.stdout.write(
        o.format === 'json' ? `${toJson(jsonAuditReport(report))}\n` : renderAuditVerify(report),
      );
      if (report.result.ok) await saveKeptCheckpoint(o.saveCheckpoint, report.newestCheckpoint);
      setExit(report.result.ok ? exitCodes.ok : exitCodes.denied);
    });
  registerAuditLiveCommands({ program, audit, io, setExit });

  registerClientCommands(program, io, setExit);
  registerServeCommand(program, io, setExit);
  registerAdminCommands(program, io, setExit);
  registerBlobCommands(program, io, setExit);
  registerPackAndBacktestCommands(program, io, setExit);
  return program;
}

function jsonAuditReport(report: Awaited<ReturnType<typeof verifyAuditExport>>) {
  const { result } = report;
  return {
    ...report,
    result: result.ok
      ? { ...result, rootHash: Buffer.from(result.rootHash).toString('base64') }
      : result,
  };
}

/** Runs the CLI and returns its exit code; never calls process.exit, so tests can drive it. */
export async function main(argv: string[], io: Io = process): Promise<number> {
  let exit: number = exitCodes.ok;
  const program = buildProgram(io, (code) => {
    exit = code;
  });
  try {
    await program.parseAsync(argv);
    return exit;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; anything else commander rejects is a usage error.
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.badInput;
    }
    return reportError(error, io.stderr);
  }
}
