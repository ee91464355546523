/**
 * `clearance evidence-pack export` and `clearance policy backtest`. Without `--server` both open
 * the registry directly as the operator `system:cli` (recorded in the audit log as such); with
 * `--server` they go through the API as the token's user, who is the actor recorded.
 */
import { Option } from 'commander';
import { type CommandContext, formatChoices, lazy } from '../lazy.js';
import { registryOptions } from '../registry/select-registry.js';

const formatOption = () =>
  new Option('--format <format>', 'output format').choices(formatChoices).default('text');

export function declarePackAndBacktestCommands(context: CommandContext): void {
  const { program } = context;
  const actions = () => import('./pack-and-backtest-actions.js');
  const pack =
    program.commands.find((c) => c.name() === 'evidence-pack') ??
    program.command('evidence-pack').description('evidence packs for auditors');
  registryOptions(
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
    'database',
  )
    .addOption(formatOption())
    .action(lazy(context, async () => (await actions()).exportPackCommand));
  pack
    .command('verify')
    .description(
      'verify a pack offline against a pinned key: exit 0 valid, 1 invalid, 2 unreadable',
    )
    .argument('<pack>', 'the directory or .tar.gz `evidence-pack export` wrote')
    .option('--key <vkey...>', 'C2SP verifier key(s) to trust', [])
    .option(
      '--key-fingerprint <sha256>',
      "trust the pack's own audit/verifier-key.txt only if it has this fingerprint",
    )
    .addOption(formatOption())
    .action(
      lazy(context, async () => (await import('./evidence-pack-verify.js')).verifyPackCommand),
    );
  const policy = program.commands.find((c) => c.name() === 'policy') ?? program.command('policy');
  registryOptions(
    policy
      .command('backtest')
      .description(
        're-evaluate past decisions under a changed policy: exit 0 none differ, 1 some differ, 2 bad input',
      )
      .requiredOption('--policy <file>', 'the changed policy YAML')
      .option('--model <name>', 'only this model')
      .option('--since <when>', 'only decisions since a duration ago (90d) or a date'),
    'database',
  )
    .addOption(formatOption())
    .action(lazy(context, async () => (await actions()).backtestCommand));
}
