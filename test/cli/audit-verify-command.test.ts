import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type AuditEntry,
  entryLeafHash,
  formatExportEntry,
  formatExportHeader,
  generateSigningKey,
  MerkleAccumulator,
  signCheckpoint,
} from '../../src/audit/index.js';
import { runCli } from './run-cli.js';

const origin = 'clearance/test-install';

function entry(seq: number): AuditEntry {
  return {
    seq,
    time: new Date(Date.UTC(2026, 10, 1, 12, 0, seq)).toISOString(),
    actor: { id: seq % 2 === 0 ? 'ana' : 'ben', kind: 'user' },
    action: 'approval.recorded',
    subject: { type: 'transition_request', id: `req-${seq}` },
    reason: `sign-off ${seq}`,
    ticket: `RISK-${100 + seq}`,
    digests: { evidence: `sha256:${String(seq).padStart(64, '0')}` },
    data: { role: 'risk_officer' },
  };
}

/** A log of `size` entries with checkpoints signed at the given sizes, as export lines. */
function buildExport(size: number, checkpointAt: number[]) {
  const key = generateSigningKey(origin);
  const accumulator = new MerkleAccumulator();
  const entries = Array.from({ length: size }, (_, i) => entry(i));
  const checkpoints: string[] = [];
  entries.forEach((e, i) => {
    accumulator.append(entryLeafHash(e));
    if (checkpointAt.includes(i + 1)) {
      checkpoints.push(signCheckpoint({ origin, size: i + 1, rootHash: accumulator.root() }, key));
    }
  });
  const header = formatExportHeader({
    origin,
    size,
    exportedAt: '2026-11-01T13:00:00.000Z',
    verifierKeys: [key.verifierKey],
    checkpoints,
  });
  const lines = entries.map((e) => formatExportEntry({ entry: e, leafHash: entryLeafHash(e) }));
  return { key, header, lines };
}

function write(header: string, lines: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'clearance-audit-')), 'audit.jsonl');
  writeFileSync(file, `${[header, ...lines].join('\n')}\n`);
  return file;
}

describe('clearance audit verify', () => {
  it('verifies a clean export against the pinned key', async () => {
    const { key, header, lines } = buildExport(12, [5, 12]);
    const run = await runCli([
      'audit',
      'verify',
      '--file',
      write(header, lines),
      '--key',
      key.verifierKey,
      '--format',
      'json',
    ]);
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as {
      result: { ok: boolean; size: number; checkpointedSize: number };
    };
    expect(report.result).toMatchObject({ ok: true, size: 12, checkpointedSize: 12 });
  });

  it('names the entry that was edited behind the log’s back', async () => {
    const { key, header, lines } = buildExport(12, [12]);
    lines[7] = lines[7]?.replace('sign-off 7', 'sign-off 7 (amended)') ?? '';
    const run = await runCli([
      'audit',
      'verify',
      '--file',
      write(header, lines),
      '--key',
      key.verifierKey,
    ]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('at entry 7');
  });

  it('names the first missing entry when one was deleted', async () => {
    const { key, header, lines } = buildExport(12, [12]);
    lines.splice(4, 1);
    const run = await runCli([
      'audit',
      'verify',
      '--file',
      write(header, lines),
      '--key',
      key.verifierKey,
    ]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('at entry 4');
  });

  it('fails when the checkpoints were signed by a key the auditor does not trust', async () => {
    const { header, lines } = buildExport(6, [6]);
    const other = generateSigningKey(origin);
    const run = await runCli([
      'audit',
      'verify',
      '--file',
      write(header, lines),
      '--key',
      other.verifierKey,
    ]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('does NOT verify');
  });

  it('exits 2 on a file that is not an export', async () => {
    const run = await runCli(['audit', 'verify', '--file', write('{"hello":1}', [])]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('clearance-audit-export/v1');
  });
});
