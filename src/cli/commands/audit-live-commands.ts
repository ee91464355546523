/**
 * Audit commands on the live database: `audit export|prove|checkpoint`, `audit verify` without
 * `--file`, and `history`. They open the registry directly (database + data directory, where the
 * signing key lives), so they run on a server host or with the shared key.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { type Command, Option } from 'commander';
import {
  type InclusionProofView,
  inclusionProofFor,
  type ModelHistory,
  modelHistory,
  type ProductionPeriod,
  type StoredLogVerification,
  signAuditCheckpoint,
  verifyStoredLog,
} from '../../app/index.js';
import {
  formatExportEntry,
  formatExportHeader,
  parseVerifierKey,
  verifyCheckpoint,
  verifyInclusion,
} from '../../audit/index.js';
import { openRegistry, type Registry } from '../../compose.js';
import { loadConfig } from '../../config.js';
import { ClearanceError, type Principal } from '../../domain/index.js';
import { toJson } from '../check-report.js';
import { exitCodes } from '../exit-codes.js';
import { createProgress } from '../progress.js';

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

/** `clearance audit verify` without `--file`: the stored log against the stored checkpoints. */
export async function verifyLiveAudit(
  o: LiveOptions & { format?: string },
  io: Io,
): Promise<number> {
  const report = await withRegistry(o, (r) => {
    const progress = createProgress('verifying audit log');
    return verifyStoredLog(r.deps, {
      log: r.auditSigner,
      onProgress: (p, total) => progress.update(p.entries, total),
    }).finally(() => progress.finish());
  });
  io.stdout.write(
    o.format === 'json' ? `${toJson(jsonLiveReport(report))}\n` : renderLiveVerify(report),
  );
  return report.result.ok ? exitCodes.ok : exitCodes.denied;
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

export function renderLiveVerify(report: StoredLogVerification): string {
  const { result } = report;
  if (result.ok) {
    const root = Buffer.from(result.rootHash).toString('base64');
    return `Audit log verifies: ${result.size} entries, root ${root}; ${result.checkpointedSize} covered by ${report.checkpoints} signed checkpoint(s).\n`;
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

/** Verifies the proof and its checkpoint signature before anyone sees it. */
function assertProofVerifies(proof: InclusionProofView): void {
  const checked = verifyCheckpoint(
    proof.checkpoint.note,
    [parseVerifierKey(proof.checkpoint.verifierKey)],
    {
      origin: proof.checkpoint.origin,
    },
  );
  const ok =
    checked.ok &&
    checked.checkpoint.size === proof.treeSize &&
    verifyInclusion({
      leafIndex: proof.seq,
      treeSize: proof.treeSize,
      leafHash: Buffer.from(proof.leafHash, 'base64'),
      proof: proof.proof.map((h) => Buffer.from(h, 'base64')),
      root: checked.checkpoint.rootHash,
    });
  if (!ok) {
    throw new ClearanceError(
      'audit_unavailable',
      `The inclusion proof of entry ${proof.seq} does not verify.`,
    );
  }
}

function renderProof(proof: InclusionProofView): string {
  const lines = [
    `Entry ${proof.seq} is included in the log ${proof.checkpoint.origin} of ${proof.treeSize} entries (verified).`,
    `entry: ${JSON.stringify(proof.entry)}`,
    `leaf hash: ${proof.leafHash}`,
    'audit path (RFC 9162, base64, leaf to root):',
    ...proof.proof.map((h) => `  ${h}`),
    `verifier key: ${proof.checkpoint.verifierKey}`,
    'signed checkpoint:',
    proof.checkpoint.note.trimEnd(),
  ];
  return `${lines.join('\n')}\n`;
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

export function renderHistory(h: ModelHistory): string {
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

/** Adds `audit export|prove|checkpoint` to `audit` and `history` to the program. */
export function registerAuditLiveCommands(input: {
  program: Command;
  audit: Command;
  io: Io;
  setExit: (code: number) => void;
}): void {
  const { program, audit, io, setExit } = input;
  liveOptions(
    audit
      .command('export')
      .description('write the audit log with its signed checkpoints (clearance-audit-export/v1)')
      .requiredOption('--output <file>', 'where to write the export'),
  ).action(async (o: LiveOptions & { output: string }) => {
    const done = await withRegistry(o, (r) => exportLog(r, o.output));
    io.stdout.write(
      `Exported ${done.size} entries and ${done.checkpoints} signed checkpoint(s) to ${o.output}.\n`,
    );
    setExit(exitCodes.ok);
  });

  liveOptions(
    audit
      .command('prove')
      .description('print a verified inclusion proof of an entry with its signed checkpoint')
      .argument('<seq>', 'the entry’s sequence number')
      .option('--size <n>', 'prove against the checkpoint of this size (default: the latest)')
      .addOption(formatOption()),
  ).action(async (seq: string, o: LiveOptions & { size?: string; format: string }) => {
    const proof = await withRegistry(o, (r) =>
      inclusionProofFor(r.deps, {
        seq: wholeNumber(seq, 'seq'),
        ...(o.size === undefined ? {} : { size: wholeNumber(o.size, '--size') }),
        log: r.auditSigner,
      }),
    );
    assertProofVerifies(proof);
    io.stdout.write(o.format === 'json' ? `${toJson(proof)}\n` : renderProof(proof));
    setExit(exitCodes.ok);
  });

  liveOptions(
    audit
      .command('checkpoint')
      .description('sign a checkpoint of the audit log now (a no-op when it has not grown)')
      .addOption(formatOption()),
  ).action(async (o: LiveOptions & { format: string }) => {
    const result = await withRegistry(o, (r) =>
      signAuditCheckpoint(r.deps, r.auditSigner, { principal: operator }),
    );
    const { checkpoint } = result;
    if (o.format === 'json') {
      io.stdout.write(
        `${toJson({ signed: result.signed, size: checkpoint.size, rootHash: Buffer.from(checkpoint.rootHash).toString('base64'), note: checkpoint.note })}\n`,
      );
    } else {
      const verb = result.signed ? 'Signed' : 'The log has not grown; latest';
      io.stdout.write(`${verb} checkpoint of ${checkpoint.size} entries:\n${checkpoint.note}`);
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

function wholeNumber(value: string, what: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(value)) {
    throw new ClearanceError('invalid_input', `${what} "${value}" is not a whole number.`);
  }
  return Number(value);
}
