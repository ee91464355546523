/**
 * `clearance blobs gc`: blob collection straight on the database and the blob directory, for
 * operators on the host (the server also runs it every `blobGcIntervalSeconds`). Audited as
 * `system:cli`.
 */
import { type Command, Option } from 'commander';
import { collectBlobsWith, openRegistry } from '../../compose.js';
import { loadConfig } from '../../config.js';
import { ClearanceError } from '../../domain/index.js';
import { toJson } from '../check-report.js';
import { exitCodes } from '../exit-codes.js';

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

interface GcFlags {
  database?: string;
  dataDir?: string;
  dryRun?: boolean;
  graceSeconds?: string;
  format: string;
}

function graceOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!Number.isSafeInteger(seconds) || seconds < 60) {
    const message = `--grace-seconds ${text} is not a whole number of seconds of at least 60.`;
    throw new ClearanceError('invalid_input', message, {
      problems: [{ message, fix: 'Give a grace longer than the longest upload, e.g. 3600.' }],
    });
  }
  return seconds;
}

export function registerBlobCommands(
  program: Command,
  io: Io,
  setExit: (code: number) => void,
): void {
  const blobs = program.command('blobs').description('the evidence blob store');
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
      new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'),
    )
    .action(async (o: GcFlags) => {
      const graceSeconds = graceOf(o.graceSeconds);
      const registry = await openRegistry(
        loadConfig({ flags: { database: o.database, dataDir: o.dataDir } }),
      );
      try {
        const run = await collectBlobsWith(registry, {
          job: 'cli',
          ...(o.dryRun ? { dryRun: true } : {}),
          ...(graceSeconds === undefined ? {} : { graceSeconds }),
        });
        if (o.format === 'json') io.stdout.write(`${toJson(run)}\n`);
        else {
          const verb = run.dryRun ? 'Would delete' : 'Deleted';
          const lines = run.blobs.map((b) => `  ${b.digest} (${b.size} bytes)`);
          io.stdout.write(
            `${[`${verb} ${run.blobs.length} unreferenced blob(s), ${run.bytes} bytes.`, ...lines].join('\n')}\n`,
          );
        }
      } finally {
        await registry.close();
      }
      setExit(exitCodes.ok);
    });
}
