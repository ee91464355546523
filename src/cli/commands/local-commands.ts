/**
 * Commands on local files only: `init`, `policy validate|explain`, `eval`, `check`, `examples`
 * (and `examples copy`).
 */
import { Option } from 'commander';
import type { ChangeType } from '../../domain/index.js';
import { type CommandContext, formatChoices, lazy } from '../lazy.js';

const checkFormats = ['text', 'json', 'junit', 'markdown'] as const;

/**
 * The domain's change types, spelled here so that declaring commands loads no domain module
 * (`clearance --version` stays cheap); test/cli/check-command.test.ts holds them to `changeTypes`.
 */
const changeTypeChoices = [
  'standard',
  'emergency',
  'experiment',
] as const satisfies readonly ChangeType[];

const formatOption = () =>
  new Option('--format <format>', 'output format').choices(formatChoices).default('text');

export function declareLocalCommands(context: CommandContext): void {
  const { program } = context;
  const actions = () => import('./local-actions.js');

  program
    .command('init')
    .description('write a starter policy from a template, and the evidence bundle it asks for')
    .requiredOption(
      '--template <name>',
      'credit-risk, recommender, medical-imaging, ride-sharing-eta, fraud',
    )
    .option('--output <file>', 'where to write it', 'clearance-policy.yaml')
    .option(
      '--evidence <dir>',
      'scaffold the evidence bundle the policy asks for here (documents with their required sections, lineage), and a guide beside the policy (default: evidence/ beside the policy)',
    )
    .option('--no-evidence', 'write the policy only')
    .option('--force', 'overwrite existing files', false)
    .action(lazy(context, async () => (await actions()).initCommand));

  const policy = program.command('policy').description('validate and explain policies');
  policy
    .command('validate')
    .description('validate policy files; exit 2 if any is invalid')
    .argument('<files...>')
    .addOption(formatOption())
    .action(lazy(context, async () => (await actions()).validateCommand));
  policy
    .command('explain')
    .description('a readable summary of who must do what for each transition')
    .argument('<file>')
    .addOption(formatOption())
    .action(lazy(context, async () => (await actions()).explainCommand));

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
    .addOption(formatOption())
    .action(lazy(context, async () => (await actions()).evalCommand));

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
        .choices(changeTypeChoices)
        .default('standard'),
    )
    .addOption(
      new Option('--format <format>', 'output format').choices([...checkFormats]).default('text'),
    )
    .option('--output <file>', 'also write the report to this file')
    .action(lazy(context, async () => (await actions()).checkCommand));

  const examples = program
    .command('examples')
    .description("run every worked example's cases and say whether each was decided as expected")
    .argument('[dir]', 'examples directory', 'examples')
    .addOption(formatOption())
    .action(lazy(context, async () => (await actions()).examplesCommand));
  examples
    .command('copy')
    .description(
      'copy a worked example (policy, cases, production and candidate evidence) out of the installed package',
    )
    .argument('<name>', 'credit-risk, recommender, medical-imaging, ride-sharing-eta, fraud')
    .option('--output <dir>', 'where to copy it (default: examples/<name>)')
    .action(lazy(context, async () => (await import('./copy-example.js')).copyExample));
}

export type CheckFormat = (typeof checkFormats)[number];
