/** The code behind blob-commands.ts. */ import { collectBlobsWith } from '../../compose.js';
import { ClearanceError } from '../../domain/index.js';
import { toJson } from '../check-report.js';
import { exitCodes } from '../exit-codes.js';
import type { Io } from '../lazy.js';
import { openRegistryAt } from '../registry/local-registry.js';

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

export async function gcCommand(io: Io, o: GcFlags): Promise<number> {
  const graceSeconds = graceOf(o.graceSeconds);
  const registry = await openRegistryAt(o);
  try {
    const run = await collectBlobsWith(registry, {
      job: 'cli',
      ...(o.dryRun ? { dryRun: true } : {}),
      ...(graceSeconds === undefined ? {} : { graceSeconds }),
    });
    if (o.format === 'json') io.stdout.write(`${toJson(run)}\n`);
    else {
      const verb = run.dryRun ? 'Would delete' : 'Deleted';
      const lines = [
        `${verb} ${run.blobs.length} unreferenced blob(s), ${run.bytes} bytes.`,
        ...run.blobs.map((b) => `  ${b.digest} (${b.size} bytes)`),
      ];
      const { files, bytes } = run.abandonedWrites;
      if (files > 0) {
        const removed = run.dryRun ? 'Would remove' : 'Removed';
        lines.push(
          `${removed} ${files} partial file(s) of interrupted writes, ${bytes} bytes (never blobs; nothing recorded names them).`,
        );
      }
      io.stdout.write(`${lines.join('\n')}\n`);
    }
  } finally {
    await registry.close();
  }
  return exitCodes.ok;
}
