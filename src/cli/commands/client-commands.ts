/**
 * Client commands: act on the registry as a user, through a Clearance server (`--server` /
 * CLEARANCE_SERVER) with a token (`--token` / CLEARANCE_TOKEN), or as the operator on the
 * database with `--database` / `--data-dir`. Every command has `--format json` for machines.
 */
import { Option } from 'commander';
import type { CommandContext } from '../lazy.js';
import { clientAction, clientCommand } from './client-support.js';

function declareModelCommands(context: CommandContext): void {
  const model = context.program.command('model').description('models in the registry');
  clientCommand(model, 'register', 'register a model under a policy')
    .argument('<name>')
    .requiredOption('--owner-team <team>', 'team that owns the model')
    .requiredOption('--policy <file>', 'policy YAML (validated locally first)')
    .option('--description <text>')
    .action(clientAction(context, 'registerModel'));
  clientCommand(model, 'list', 'list models').action(clientAction(context, 'listModels'));
  clientCommand(model, 'serving', 'which version serves production (and canary)')
    .argument('<name>')
    .action(clientAction(context, 'serving'));
}

function declareVersionCommands(context: CommandContext): void {
  const version = context.program.command('version').description('model versions');
  clientCommand(version, 'register', 'register an immutable version')
    .argument('<model>')
    .argument('<version>')
    .requiredOption('--artifact-uri <uri>')
    .requiredOption('--artifact-digest <digest>', 'sha256:<hex> of the artifact')
    .option(
      '--lineage <file>',
      'lineage JSON (code commit, data snapshot, config digest, seed, run, trainedBy)',
    )
    .action(clientAction(context, 'registerVersion'));
  clientCommand(
    version,
    'import-production',
    "record the version that served before Clearance as the model's first production version (admin)",
  )
    .argument('<model>')
    .argument('<version>')
    .requiredOption('--reason <text>', 'where and since when it served')
    .option('--ticket <id>')
    .action(clientAction(context, 'importProduction'));
  const evidence = context.program.command('evidence').description('evidence attached to versions');
  clientCommand(evidence, 'attach', 'upload evidence files (a directory uploads every file in it)')
    .argument('<model>')
    .argument('<version>')
    .argument('<paths...>')
    .action(clientAction(context, 'attachEvidence'));
}

function declareRequestCommands(context: CommandContext): void {
  const { program } = context;
  // Not commander-mandatory: `request list|show` are subcommands, and commander would ask them
  // for --to; the run refuses a request without them instead.
  clientCommand(program, 'request', 'request a transition of a version (or: request list|show)')
    .argument('<model>')
    .argument('<version>')
    .option('--to <state>', 'target state, e.g. production (required)')
    .option('--reason <text>', '(required)')
    .option('--ticket <id>')
    .addOption(
      new Option('--change-type <type>')
        .choices(['standard', 'emergency', 'experiment'])
        .default('standard'),
    )
    .action(clientAction(context, 'request'));
  clientCommand(
    program,
    'emergency',
    'request an emergency change (break-glass; bypasses listed gates for a bounded time)',
  )
    .argument('<model>')
    .argument('<version>')
    .option('--to <state>', 'target state', 'production')
    .requiredOption('--reason <text>')
    .requiredOption('--ticket <id>')
    .action(clientAction(context, 'emergency'));
  for (const decision of ['approve', 'reject'] as const) {
    clientCommand(program, decision, `${decision} a transition request in one of your roles`)
      .argument('<request>')
      .requiredOption('--role <role>')
      .requiredOption('--comment <text>')
      .addOption(
        new Option('--risk <class>', 'your risk classification of the change')
          .choices(['low', 'medium', 'high'])
          .makeOptionMandatory(),
      )
      .option('--ticket <id>')
      .action(clientAction(context, decision));
  }
  clientCommand(
    program,
    'review',
    'sign off the post-incident review of an executed emergency change in one of your roles',
  )
    .argument('<request>')
    .requiredOption('--role <role>')
    .requiredOption('--comment <text>', "the review's findings")
    .option('--ticket <id>')
    .option('--reject', 'reject the change instead of approving it')
    .action(clientAction(context, 'review'));
  clientCommand(program, 'reviews', 'post-incident reviews of emergency changes')
    .addOption(
      new Option(
        '--status <status>',
        'due: pending; overdue: past due; rejected: a reviewer rejected the change; all',
      )
        .choices(['due', 'overdue', 'rejected', 'all'])
        .default('due'),
    )
    .action(clientAction(context, 'reviews'));
  clientCommand(program, 'promote', 'execute an approved request (gates are evaluated again first)')
    .argument('<request>')
    .action(clientAction(context, 'promote'));
  clientCommand(program, 'cancel', 'cancel a pending request')
    .argument('<request>')
    .requiredOption('--reason <text>')
    .action(clientAction(context, 'cancel'));
  clientCommand(program, 'rollback', 'restore the rollback target to production')
    .argument('<model>')
    .requiredOption('--reason <text>')
    .option('--ticket <id>')
    .action(clientAction(context, 'rollback'));
  clientCommand(program, 'inbox', 'pending requests you could approve').action(
    clientAction(context, 'inbox'),
  );
  clientCommand(
    program,
    'replay',
    'recompute a stored decision from stored evidence and policy alone',
  )
    .argument('<decision>')
    .action(clientAction(context, 'replay'));
}

function declareRolloutCommands(context: CommandContext): void {
  const rollout = context.program
    .command('rollout')
    .description('canary rollouts started by production promotions');
  clientCommand(rollout, 'show', 'a rollout: status, traffic, steps, recent windows per trigger')
    .argument('<rollout>')
    .action(clientAction(context, 'rolloutShow'));
  clientCommand(rollout, 'list', 'rollouts, oldest first')
    .addOption(
      new Option('--status <status>').choices([
        'running',
        'paused',
        'rolled_back',
        'completed',
        'aborted',
      ]),
    )
    .option('--model <name>')
    .action(clientAction(context, 'rolloutList'));
  const actions = [
    ['pause', 'pause', 'pause a running rollout (traffic stays; steps and completion wait)'],
    ['resume', 'resume', 'resume a paused rollout'],
    ['promote', 'promoteNow', 'end the canary now and put the candidate in production'],
  ] as const;
  for (const [name, run, description] of actions) {
    clientCommand(rollout, name, description)
      .argument('<rollout>')
      .option('--reason <text>', 'why; recorded in the audit entry and shown by rollout show')
      .option(
        '--ticket <id>',
        "change ticket (promote: required when the policy's transition requires one)",
      )
      .action(clientAction(context, run));
  }
  clientCommand(rollout, 'abort', 'take the canary out of serving at once and end the rollout')
    .argument('<rollout>')
    .requiredOption('--reason <text>', 'why; recorded in the audit entry and shown by rollout show')
    .option('--ticket <id>', "change ticket (required when the policy's transition requires one)")
    .action(clientAction(context, 'abort'));
  clientCommand(rollout, 'observe', 'post a batch of KPI points from a CSV or JSON file')
    .argument('<rollout>')
    .requiredOption(
      '--file <file>',
      'batch.csv (series,arm,at,successes,trials,value,count) or batch.json',
    )
    .option(
      '--batch-id <id>',
      "the batch's id (default: from the file's SHA-256, so a re-post is a no-op)",
    )
    .action(clientAction(context, 'observe'));
}

/** Declares every client command on the program. */
export function declareClientCommands(context: CommandContext): void {
  declareModelCommands(context);
  declareVersionCommands(context);
  declareRequestCommands(context);
  declareRolloutCommands(context);
}
