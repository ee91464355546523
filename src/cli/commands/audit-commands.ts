/**
 * `audit verify|export|prove|checkpoint|rotate-key` and `history`. `verify --file` reads an export
 * offline; the others reach the registry through registry/select-registry.ts: the database by
 * default (operator actions), or the API with `--server` (as the token's user). `rotate-key` needs
 * the signing key itself, so it runs on the database only.
 */
import { Option } from 'commander';
import { type CommandContext, formatChoices, lazy } from '../lazy.js';
import { registryOptions } from '../registry/select-registry.js';

const formatOption = () =>
  new Option('--format <format>', 'output format').choices(formatChoices).default('text');

export function declareAuditCommands(context: CommandContext): void {
  const { program } = context;
  const actions = () => import('./audit-actions.js');
  const audit = program.command('audit').description('verify the tamper-evident audit log');
  registryOptions(
    audit
      .command('verify')
      .description('verify an exported audit log offline; exit 1 names the first entry that fails')
      .option(
        '--file <export>',
        'a file written by `clearance audit export` (default: the live log)',
      ),
    'database',
  )
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
    .addOption(formatOption())
    .action(lazy(context, async () => (await actions()).verifyCommand));

  registryOptions(
    audit
      .command('export')
      .description('write the audit log with its signed checkpoints (clearance-audit-export/v1)')
      .requiredOption('--output <file>', 'where to write the export'),
    'database',
  ).action(lazy(context, async () => (await actions()).exportCommand));

  registryOptions(
    audit
      .command('prove')
      .description('print a verified inclusion proof of an entry with its signed checkpoint')
      .argument('<seq>', 'the entry’s sequence number')
      .option('--size <n>', 'prove against the checkpoint of this size (default: the latest)')
      .option('--key <vkey...>', 'C2SP verifier key(s) to trust (default: the log’s own)', [])
      .addOption(formatOption()),
    'database',
  ).action(lazy(context, async () => (await actions()).proveCommand));

  registryOptions(
    audit
      .command('checkpoint')
      .description('sign a checkpoint of the audit log now (a no-op when it has not grown)')
      .addOption(formatOption()),
    'database',
  ).action(lazy(context, async () => (await actions()).checkpointCommand));

  audit
    .command('rotate-key')
    .description(
      'hand the log over to a new signing key: a checkpoint signed by the old and the new key (run on the host holding the key)',
    )
    .requiredOption('--reason <text>', 'why the key is rotated (recorded in the audit log)')
    .option('--database <url>', 'sqlite:<file> or postgres:// URL (default: from config)')
    .option('--data-dir <dir>', 'data directory holding the audit signing key')
    .addOption(formatOption())
    .action(lazy(context, async () => (await actions()).rotateKeyCommand));

  registryOptions(
    program
      .command('history')
      .description('which version was in production at a time, and the decision that put it there')
      .argument('<model>')
      .option('--at <time>', 'RFC 3339 instant (default: now)')
      .addOption(formatOption()),
    'database',
  ).action(lazy(context, async () => (await actions()).historyCommand));
}
