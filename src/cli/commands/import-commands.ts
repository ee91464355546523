/**
 * `clearance import mlflow`: copies an MLflow Model Registry into Clearance, on the database as
 * the operator (`--database` / `--data-dir`, like `admin`): the API has no import route, and the
 * import registers models under a policy and records production baselines, which are admin work.
 */
import { Option } from 'commander';
import { type CommandContext, formatChoices, lazy } from '../lazy.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function declareImportCommands(context: CommandContext): void {
  const imports = context.program
    .command('import')
    .description('import models from another registry (operators, on the database)');
  imports
    .command('mlflow')
    .description(
      'copy registered models, versions, tags, aliases and stages from an MLflow server; idempotent and resumable',
    )
    .requiredOption('--from <url>', 'MLflow tracking server, e.g. http://mlflow.internal:5000')
    .option('--token <token>', 'bearer token for the MLflow server (default MLFLOW_TRACKING_TOKEN)')
    .option(
      '--model <name>',
      'only this registered model (repeatable; default: every one)',
      collect,
    )
    .option('--policy <file>', 'policy YAML for the models Clearance does not have yet')
    .option('--owner-team <team>', 'owner team of the models Clearance does not have yet')
    .option(
      '--production-alias <alias>',
      'the version holding this MLflow alias (e.g. champion) is the production baseline, before stage Production',
    )
    .option('--page-size <n>', 'max_results per MLflow search request', '100')
    .option('--dry-run', 'read everything and report what would change; write nothing')
    .option('--database <url>', 'sqlite:<file> or postgres:// URL (default: from config)')
    .option('--data-dir <dir>', 'data directory holding the blobs and audit signing key')
    .addOption(
      new Option('--format <format>', 'output format').choices(formatChoices).default('text'),
    )
    .action(lazy(context, async () => (await import('./import-actions.js')).importMlflowCommand));
}
