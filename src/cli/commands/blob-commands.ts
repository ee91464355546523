/**
 * `clearance blobs gc`: blob collection straight on the database and the blob directory, for
 * operators on the host (the server also runs it every `blobGcIntervalSeconds`). Audited as
 * `system:cli`.
 */
import { Option } from 'commander';
import { type CommandContext, formatChoices, lazy } from '../lazy.js';

export function declareBlobCommands(context: CommandContext): void {
  const blobs = context.program.command('blobs').description('the evidence blob store');
  blobs
    .command('gc')
    .description(
      'delete blobs no evidence references and nobody uploaded within the grace period (audited)',
    )
    .option('--dry-run', 'list what would be deleted; delete nothing')
    .option(
      '--grace-seconds <n>',
      'keep blobs uploaded this recently (default: blobGcGraceSeconds)',
    )
    .option('--database <url>', 'sqlite:<file> or postgres:// URL (default: from config)')
    .option('--data-dir <dir>', 'data directory holding the blobs')
    .addOption(
      new Option('--format <format>', 'output format').choices(formatChoices).default('text'),
    )
    .action(lazy(context, async () => (await import('./blob-actions.js')).gcCommand));
}
