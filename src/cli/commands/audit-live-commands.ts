/**
 * Audit commands on the live database: `audit export|prove|checkpoint`, `audit verify` without
 * `--file`, and `history`. They open the registry directly (database + data directory, where the
 * signing key lives), so they run on a server host or with the shared key. `export`, `prove` and
 * `checkpoint` also take `--server` to go through the API (audit-server-commands.ts).
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { type Command, Option } from 'commander';
import {
  checkpointView,
  checkStoredState,
  inclusionProofFor,
  listCheckpoints,
  type ModelHistory,
  modelHistory,
  type ProductionPeriod,
  type StoredLogVerification,
  signAuditCheckpoint,
  verifyStoredLog,
} from '../../app/index.js';
import { formatExportEntry, formatExportHeader } from '../../audit/index.js';
import { openRegistry, type Registry, rotateAuditSigningKey } from '../../compose.js';
import { loadConfig } from '../../config.js';
import { ClearanceError, type Principal } from '../../domain/index.js';
import { toJson } from '../check-report.js';
import { exitCodes } from '../exit-codes.js';
import { createProgress } from '../progress.js';
import { type ServerFlags, serverConnection, serverOptions } from '../server-flags.js';
import {
  checkpointNotesThroughServer,
  checkpointThroughServer,
  exportThroughServer,
  proveThroughServer,
} from './audit-server-commands.js';
import {
  readKeptCheckpoint,
  renderStateCheck,
  saveKeptCheckpoint,
  stateCheckOk,
} from './audit-state-output.js';
import { assertProofVerifies, renderProof } from './inclusion-proof-output.js';

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface LiveOptions {
  database?: string;
  dataDir?: string;
}

/** Whoever runs the CLI with the database credentials acts as the service itself. */
const operator: Principal = { id: 'system:cli', kind: 'system', roles: [] };

async function withRegistry<T>(o: LiveOptions, work: (r: Registry) => Promise<T>): Promise<T> {
  const registry = await openRegistry(
    loadConfig({ flags: { database: o.database, dataDir: o.dataDir } }),
  );
  try {
    return await work(registry);
  } finally {
    await registry.close();
  }
}

function liveOptions(command: Command): Command {
  return command
    .option('--database <url>', 'sqlite:<file> or postgres:// URL (default: from config)')
    .option('--data-dir <dir>', 'data directory holding the audit signing key');
}

const formatOption = () =>
  new Option('--format <format>', 'output format').choices(['text', 'json']).default('text');

/**
 * `clearance audit verify` without `--file`: the stored log against the stored checkpoints (and
 * the one kept with `--since`); with `--state`, the database rows against the log too.
 */
export async function verifyLiveAudit(
  o: LiveOptions & { format?: string; since?: string; state?: boolean; saveCheckpoint?: string },
  io: Io,
): Promise<number> {
  const since = await readKeptCheckpoint(o.since);
  const { report, state } = await withRegistry(o, async (r) => {
    const progress = createProgress('verifying audit log');
    const verified = await verifyStoredLog(r.deps, {
      log: r.auditSigner,
      ...(since === undefined ? {} : { since }),
      onProgress: (p, total) => progress.update(p.entries, total),
    }).finally(() => progress.finish());
    return { report: verified, state: o.state ? await checkStoredState(r.deps) : undefined };
  });
  if (o.format === 'json') {
    io.stdout.write(`${toJson({ ...jsonLiveReport(report), ...(state ? { state } : {}) })}\n`);
  } else {
    io.stdout.write(renderLiveVerify(report));
    if (state) io.stdout.write(renderStateCheck(state));
  }
  if (report.result.ok) await saveKeptCheckpoint(o.saveCheckpoint, report.newestCheckpoint);
  const ok = report.result.ok && (state === undefined || stateCheckOk(state));
  return ok ? exitCodes.ok : exitCodes.denied;
}

function jsonLiveReport(report: StoredLogVerification) {
  const { result } = report;
  return {
    ...report,
    result: result.ok
      ? { ...result, rootHash: Buffer.from(result.rootHash).toString('base64') }
      : result,
  };
}

function renderLiveVerify(report: StoredLogVerification): string {
  const { result } = report;
  if (result.ok) {
    const root = Buffer.from(result.rootHash).toString('base64');
    const kept =
      result.consistentWithSize === undefined
        ? ''
        : ` Consistent with the checkpoint you kept (size ${result.consistentWithSize}).`;
    return `Audit log verifies: ${result.size} entries, root ${root}; ${result.checkpointedSize} covered by ${report.checkpoints} signed checkpoint(s).${kept}\n`;
  }
  const where = result.firstBadSeq === null ? 'a checkpoint' : `entry ${result.firstBadSeq}`;
  return `Audit log does NOT verify (${result.kind}) at ${where}: ${result.reason}\n`;
}

/** Writes the clearance-audit-export/v1 file, signing a fresh checkpoint first if the log grew. */
async function exportLog(
  r: Registry,
  file: string,
): Promise<{ size: number; checkpoints: number }> {
  const { checkpoint } = await signAuditCheckpoint(r.deps, r.auditSigner);
  const size = checkpoint.size;
  const notes = await r.store.transaction(async (tx) =>
    (await tx.checkpoints.list()).filter((c) => c.size <= size).map((c) => c.note),
  );
  const out = createWriteStream(file, { flags: 'w' });
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  const progress = createProgress('exporting audit log');
  try {
    await write(
      formatExportHeader({
        origin: r.auditSigner.origin,
        size,
        exportedAt: r.deps.clock.now().toISOString(),
        verifierKeys: [r.verifierKey],
        checkpoints: notes,
      }),
    );
    const chunk = 5000;
    for (let start = 0; start < size; start += chunk) {
      const lines = await r.store.transaction(async (tx) => {
        const page: string[] = [];
        for await (const logged of tx.audit.entries(start, Math.min(size, start + chunk)))
          page.push(formatExportEntry(logged));
        return page;
      });
      for (const line of lines) await write(line);
      progress.update(Math.min(size, start + chunk), size);
    }
  } finally {
    progress.finish();
    out.end();
    await once(out, 'close');
  }
  return { size, checkpoints: notes.length };
}

function describePeriod(p: ProductionPeriod): string {
  const what = p.version === null ? 'no production version' : p.version;
  const why = [
    `${p.action} by ${p.actor} (entry ${p.seq})`,
    p.decisionId ? `decision ${p.decisionId}` : undefined,
    p.requestId ? `request ${p.requestId}` : undefined,
    p.changeType && p.changeType !== 'standard' ? `${p.changeType} change` : undefined,
    p.trigger ? `trigger ${p.trigger}` : undefined,
    p.emergencyBypass ? `gates bypassed (entry ${p.emergencyBypass.seq})` : undefined,
  ].filter(Boolean);
  const reason = p.reason ? ` — "${p.reason}"` : '';
  return `${p.since} → ${p.until ?? 'now'}  ${what}: ${why.join(', ')}${reason}`;
}

function renderHistory(h: ModelHistory): string {
  const when = h.at ?? 'now';
  const head = h.production?.version
    ? `At ${when}, ${h.model} had ${h.production.version} in production.`
    : `At ${when}, ${h.model} had no production version recorded in the audit log.`;
  const lines = [head];
  if (h.production) lines.push(`Why: ${describePeriod(h.production)}`);
  if (h.decision)
    lines.push(`Decision ${h.decision.id}: ${h.decision.outcome} (${h.decision.kind})`);
  lines.push('', 'Production timeline:', ...h.timeline.map((p) => `  ${describePeriod(p)}`));
  return `${lines.join('\n')}\n`;
}

/** Adds `audit export|prove|checkpoint|rotate-key` to `audit` and `history` to the program. */
export function registerAuditLiveCommands(input: {
  program: Command;
  audit: Command;
  io: Io;
  setExit: (code: number) => void;
}): void {
  const { program, audit, io, setExit } = input;
  serverOptions(
    liveOptions(
      audit
        .command('export')
        .description('write the audit log with its signed checkpoints (clearance-audit-export/v1)')
        .requiredOption('--output <file>', 'where to write the export'),
    ),
  ).action(async (o: ServerFlags & { output: string }) => {
    setExit(await exportCommand(o, io));
  });

  serverOptions(
    liveOptions(
      audit
        .command('prove')
        .description('print a verified inclusion proof of an entry with its signed checkpoint')
        .argument('<seq>', 'the entry’s sequence number')
        .option('--size <n>', 'prove against the checkpoint of this size (default: the latest)')
        .option('--key <vkey...>', 'C2SP verifier key(s) to trust (default: the log’s own)', [])
        .addOption(formatOption()),
    ),
  ).action(async (seq: string, o: ProveFlags) => {
    setExit(await proveCommand(seq, o, io));
  });

  serverOptions(
    liveOptions(
      audit
        .command('checkpoint')
        .description('sign a checkpoint of the audit log now (a no-op when it has not grown)')
        .addOption(formatOption()),
    ),
  ).action(async (o: ServerFlags & { format: string }) => {
    setExit(await checkpointCommand(o, io));
  });

  liveOptions(
    audit
      .command('rotate-key')
      .description(
        'hand the log over to a new signing key: a checkpoint signed by the old and the new key (run on the host holding the key)',
      )
      .requiredOption('--reason <text>', 'why the key is rotated (recorded in the audit log)')
      .addOption(formatOption()),
  ).action(async (o: LiveOptions & { reason: string; format: string }) => {
    const rotated = await withRegistry(o, (r) => rotateAuditSigningKey(r, { reason: o.reason }));
    if (o.format === 'json') {
      const { retired, next, checkpoint } = rotated;
      io.stdout.write(
        `${toJson({ retired, next, size: checkpoint.size, note: checkpoint.note })}\n`,
      );
    } else {
      io.stdout.write(
        `Handed the audit log over to a new key at size ${rotated.checkpoint.size}.\n` +
          `Retired key: ${rotated.retired}\nNew key:     ${rotated.next}\n` +
          'Publish the new key to auditors and restart every server sharing this key file.\n',
      );
    }
    setExit(exitCodes.ok);
  });

  liveOptions(
    program
      .command('history')
      .description('which version was in production at a time, and the decision that put it there')
      .argument('<model>')
      .option('--at <time>', 'RFC 3339 instant (default: now)')
      .addOption(formatOption()),
  ).action(async (model: string, o: LiveOptions & { at?: string; format: string }) => {
    const history = await withRegistry(o, (r) =>
      modelHistory(r.deps, operator, { model, ...(o.at === undefined ? {} : { at: o.at }) }),
    );
    io.stdout.write(o.format === 'json' ? `${toJson(history)}\n` : renderHistory(history));
    setExit(exitCodes.ok);
  });
}

async function exportCommand(o: ServerFlags & { output: string }, io: Io): Promise<number> {
  const connection = serverConnection(o);
  if (!connection) {
    const done = await withRegistry(o, (r) => exportLog(r, o.output));
    io.stdout.write(
      `Exported ${done.size} entries and ${done.checkpoints} signed checkpoint(s) to ${o.output}.\n`,
    );
    return exitCodes.ok;
  }
  const done = await exportThroughServer(connection, o.output);
  io.stdout.write(
    `Exported ${done.entries} entries and ${done.checkpoints} signed checkpoint(s) from ${connection.server} to ${o.output}, up to the newest checkpoint (size ${done.size}).\n`,
  );
  if (done.entries === done.size) return exitCodes.ok;
  io.stderr.write(
    `The server returned ${done.entries} of the ${done.size} entries its checkpoint covers; \`clearance audit verify --file ${o.output}\` names where the log breaks.\n`,
  );
  return exitCodes.denied;
}

interface ProveFlags extends ServerFlags {
  size?: string;
  key: string[];
  format: string;
}

async function proveCommand(seq: string, o: ProveFlags, io: Io): Promise<number> {
  const connection = serverConnection(o);
  const input = {
    seq: wholeNumber(seq, 'seq'),
    ...(o.size === undefined ? {} : { size: wholeNumber(o.size, '--size') }),
  };
  const proof = connection
    ? await proveThroughServer(connection, input)
    : await withRegistry(o, (r) => inclusionProofFor(r.deps, { ...input, log: r.auditSigner }));
  try {
    assertProofVerifies(proof, o.key, input);
  } catch (error) {
    if (o.key.length === 0) throw error;
    // The pinned key may have been rotated since: follow the log's key handovers from it.
    const notes = connection
      ? await checkpointNotesThroughServer(connection)
      : await withRegistry(o, async (r) =>
          (await listCheckpoints(r.deps, r.auditSigner)).map((c) => c.note),
        );
    assertProofVerifies(proof, o.key, input, notes);
  }
  const note =
    connection && o.key.length === 0
      ? 'Note: verified with the key the server itself names; pass --key to pin the key you trust.'
      : '';
  io.stdout.write(o.format === 'json' ? `${toJson(proof)}\n` : renderProof(proof, note));
  return exitCodes.ok;
}

async function checkpointCommand(o: ServerFlags & { format: string }, io: Io): Promise<number> {
  const connection = serverConnection(o);
  const result = connection
    ? await checkpointThroughServer(connection)
    : await withRegistry(o, async (r) => {
        const signed = await signAuditCheckpoint(r.deps, r.auditSigner, { principal: operator });
        return {
          signed: signed.signed,
          checkpoint: checkpointView(signed.checkpoint, r.auditSigner),
        };
      });
  const { checkpoint } = result;
  if (o.format === 'json') {
    const { size, rootHash, note } = checkpoint;
    io.stdout.write(`${toJson({ signed: result.signed, size, rootHash, note })}\n`);
  } else {
    const verb = result.signed ? 'Signed' : 'The log has not grown; latest';
    io.stdout.write(`${verb} checkpoint of ${checkpoint.size} entries:\n${checkpoint.note}`);
  }
  return exitCodes.ok;
}

function wholeNumber(value: string, what: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(value)) {
    throw new ClearanceError('invalid_input', `${what} "${value}" is not a whole number.`);
  }
  return Number(value);
}
