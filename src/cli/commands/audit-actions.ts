/** The code behind audit-commands.ts, loaded when one of those commands runs. */
import type { ModelHistory, ProductionPeriod, StoredLogVerification } from '../../app/index.js';
import { ClearanceError } from '../../domain/index.js';
import { toJson } from '../check-report.js';
import { exitCodes } from '../exit-codes.js';
import type { Io } from '../lazy.js';
import { createProgress } from '../progress.js';
import type { ServedLogVerification } from '../registry/cli-registry.js';
import { type RegistryFlags, withCliRegistry } from '../registry/select-registry.js';
import {
  readKeptCheckpoint,
  renderStateCheck,
  saveKeptCheckpoint,
  stateCheckOk,
} from './audit-state-output.js';
import { renderAuditVerify, verifyAuditExport } from './audit-verify.js';
import { assertProofVerifies, renderProof } from './inclusion-proof-output.js';

interface VerifyFlags extends RegistryFlags {
  file?: string;
  key: string[];
  origin?: string;
  format: string;
  /** A checkpoint file kept from an earlier verification. */
  since?: string;
  /** Check the database rows against the log too. */
  state?: boolean;
  /** Where to keep the newest verified checkpoint for the next `--since`. */
  saveCheckpoint?: string;
}

/** JSON has no bytes: the root hash as base64. */
function withBase64Root<R extends { result: { ok: boolean } }>(report: R) {
  const { result } = report as R & { result: { ok: boolean; rootHash?: Uint8Array } };
  return {
    ...report,
    result:
      result.ok && result.rootHash
        ? { ...result, rootHash: Buffer.from(result.rootHash).toString('base64') }
        : result,
  };
}

/** `audit verify`: an export offline (`--file`), or the live log on the database or a server. */
export async function verifyCommand(io: Io, o: VerifyFlags): Promise<number> {
  if (o.state && o.file !== undefined) {
    const message = '--state checks a database against its log; an export holds no rows.';
    throw new ClearanceError('invalid_input', message, {
      problems: [{ message, fix: 'Drop --file (or --state), or add --server.' }],
    });
  }
  const since = await readKeptCheckpoint(o.since);
  if (o.file !== undefined) {
    const report = await verifyAuditExport({
      file: o.file,
      keys: o.key,
      ...(o.origin ? { origin: o.origin } : {}),
      since,
      progress: createProgress('verifying audit log'),
    });
    io.stdout.write(
      o.format === 'json' ? `${toJson(withBase64Root(report))}\n` : renderAuditVerify(report),
    );
    if (report.result.ok) await saveKeptCheckpoint(o.saveCheckpoint, report.newestCheckpoint);
    return report.result.ok ? exitCodes.ok : exitCodes.denied;
  }
  const { verified, state } = await withCliRegistry(o, 'database', async (registry) => ({
    verified: await registry.verifyAuditLog({
      keys: o.key,
      ...(o.origin ? { origin: o.origin } : {}),
      ...(since === undefined ? {} : { since }),
      progress: createProgress('verifying audit log'),
    }),
    state: o.state ? await registry.auditState() : undefined,
  }));
  const { report } = verified;
  if (o.format === 'json') {
    io.stdout.write(`${toJson({ ...withBase64Root(report), ...(state ? { state } : {}) })}\n`);
  } else {
    io.stdout.write(
      verified.where === 'server'
        ? renderServedVerify(verified.report)
        : renderLiveVerify(verified.report),
    );
    if (state) io.stdout.write(renderStateCheck(state));
  }
  if (report.result.ok) await saveKeptCheckpoint(o.saveCheckpoint, report.newestCheckpoint);
  const ok = report.result.ok && (state === undefined || stateCheckOk(state));
  return ok ? exitCodes.ok : exitCodes.denied;
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

function renderServedVerify(report: ServedLogVerification): string {
  const { result } = report;
  const pin = report.keysPinned
    ? ''
    : '\nNote: verified with the key the server itself names; pass --key to pin the key you trust.';
  const log = `Audit log ${report.origin || '(no checkpoint)'} at ${report.server}`;
  if (result.ok) {
    const root = Buffer.from(result.rootHash).toString('base64');
    const kept =
      result.consistentWithSize === undefined
        ? ''
        : ` Consistent with the checkpoint you kept (size ${result.consistentWithSize}).`;
    return `${log} verifies: ${result.size} entries, root ${root}; ${result.checkpointedSize} covered by ${report.checkpoints} signed checkpoint(s).${kept}${pin}\n`;
  }
  const where = result.firstBadSeq === null ? 'a checkpoint' : `entry ${result.firstBadSeq}`;
  return `${log} does NOT verify (${result.kind}) at ${where}: ${result.reason}${pin}\n`;
}

export async function exportCommand(io: Io, o: RegistryFlags & { output: string }) {
  const { done, server } = await withCliRegistry(o, 'database', async (registry) => ({
    done: await registry.exportAuditLog(o.output),
    server: registry.server,
  }));
  if (server === undefined) {
    io.stdout.write(
      `Exported ${done.size} entries and ${done.checkpoints} signed checkpoint(s) to ${o.output}.\n`,
    );
    return exitCodes.ok;
  }
  io.stdout.write(
    `Exported ${done.entries} entries and ${done.checkpoints} signed checkpoint(s) from ${server} to ${o.output}, up to the newest checkpoint (size ${done.size}).\n`,
  );
  if (done.entries === done.size) return exitCodes.ok;
  io.stderr.write(
    `The server returned ${done.entries} of the ${done.size} entries its checkpoint covers; \`clearance audit verify --file ${o.output}\` names where the log breaks.\n`,
  );
  return exitCodes.denied;
}

interface ProveFlags extends RegistryFlags {
  size?: string;
  key: string[];
  format: string;
}

export async function proveCommand(io: Io, seq: string, o: ProveFlags): Promise<number> {
  const input = {
    seq: wholeNumber(seq, 'seq'),
    ...(o.size === undefined ? {} : { size: wholeNumber(o.size, '--size') }),
  };
  const { proof, server } = await withCliRegistry(o, 'database', async (registry) => {
    const proof = await registry.inclusionProof(input);
    try {
      assertProofVerifies(proof, o.key, input);
    } catch (error) {
      if (o.key.length === 0) throw error;
      // The pinned key may have been rotated since: follow the log's key handovers from it.
      assertProofVerifies(proof, o.key, input, await registry.checkpointNotes());
    }
    return { proof, server: registry.server };
  });
  const note =
    server !== undefined && o.key.length === 0
      ? 'Note: verified with the key the server itself names; pass --key to pin the key you trust.'
      : '';
  io.stdout.write(o.format === 'json' ? `${toJson(proof)}\n` : renderProof(proof, note));
  return exitCodes.ok;
}

export async function checkpointCommand(
  io: Io,
  o: RegistryFlags & { format: string },
): Promise<number> {
  const result = await withCliRegistry(o, 'database', (registry) => registry.signCheckpoint());
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

export async function rotateKeyCommand(
  io: Io,
  o: { database?: string; dataDir?: string; reason: string; format: string },
): Promise<number> {
  const [{ rotateAuditSigningKey }, { openRegistryAt }] = await Promise.all([
    import('../../compose.js'),
    import('../registry/local-registry.js'),
  ]);
  const registry = await openRegistryAt(o);
  const rotated = await rotateAuditSigningKey(registry, { reason: o.reason }).finally(() =>
    registry.close(),
  );
  if (o.format === 'json') {
    const { retired, next, checkpoint } = rotated;
    io.stdout.write(`${toJson({ retired, next, size: checkpoint.size, note: checkpoint.note })}\n`);
  } else {
    io.stdout.write(
      `Handed the audit log over to a new key at size ${rotated.checkpoint.size}.\n` +
        `Retired key: ${rotated.retired}\nNew key:     ${rotated.next}\n` +
        'Publish the new key to auditors and restart every server sharing this key file.\n',
    );
  }
  return exitCodes.ok;
}

export async function historyCommand(
  io: Io,
  model: string,
  o: RegistryFlags & { at?: string; format: string },
): Promise<number> {
  const history = await withCliRegistry(o, 'database', (registry) =>
    registry.history({ model, ...(o.at === undefined ? {} : { at: o.at }) }),
  );
  io.stdout.write(o.format === 'json' ? `${toJson(history)}\n` : renderHistory(history));
  return exitCodes.ok;
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

function wholeNumber(value: string, what: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(value)) {
    throw new ClearanceError('invalid_input', `${what} "${value}" is not a whole number.`);
  }
  return Number(value);
}
