/**
 * `clearance evidence-pack verify` holds the records of a pack (approvals.json, decisions.json,
 * requests.json, policy/*.yaml) to the proven audit entries that record them. Each edit below
 * rewrites the unsigned manifest to match, so the file digests alone would let it through: only the
 * records check can name it. Offline: a pack exported from a temporary SQLite registry.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/domain/index.js';
import { promotedModel as model, populatePromotedRegistry } from './promoted-registry.js';
import { runCli } from './run-cli.js';

let dir = '';
let pack = '';
let key = '';
let copies = 0;

const sha256 = (bytes: Uint8Array | string) =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

interface Report {
  valid: boolean;
  checks: { check: string; ok: boolean; summary: string; failures: string[] }[];
}

async function verify(target: string) {
  const run = await runCli(['evidence-pack', 'verify', target, '--key', key, '--format', 'json']);
  return { status: run.status, stderr: run.stderr, report: JSON.parse(run.stdout) as Report };
}

const failed = (r: Report) => r.checks.filter((c) => !c.ok).map((c) => c.check);
const recordFailures = (r: Report) =>
  r.checks.find((c) => c.check === 'records')?.failures.join('\n') ?? '';

/** A copy of the pack with `path` rewritten by `edit`, and the manifest rewritten to match. */
function tampered(path: string, edit: (text: string) => string): string {
  const copy = join(dir, `copy-${++copies}`);
  cpSync(pack, copy, { recursive: true });
  const text = edit(readFileSync(join(copy, path), 'utf8'));
  writeFileSync(join(copy, path), text);
  const manifestPath = join(copy, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  for (const row of manifest.files)
    if (row.path === path) {
      row.sha256 = sha256(text);
      row.size = Buffer.byteLength(text);
    }
  manifest.packDigest = sha256(canonicalJson(manifest.files));
  writeFileSync(manifestPath, JSON.stringify(manifest));
  return copy;
}

function editJson<T>(change: (records: T[]) => void): (text: string) => string {
  return (text) => {
    const records = JSON.parse(text) as T[];
    change(records);
    return `${JSON.stringify(records, null, 2)}\n`;
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clearance-pack-records-'));
  const database = `sqlite:${join(dir, 'clearance.db')}`;
  const flags = ['--database', database, '--data-dir', dir];
  await populatePromotedRegistry(database, dir);
  expect((await runCli(['audit', 'checkpoint', ...flags])).status).toBe(0);
  pack = join(dir, 'pack');
  const run = await runCli([
    'evidence-pack',
    'export',
    model,
    '2026.2',
    '--output',
    pack,
    ...flags,
  ]);
  expect(run.status, run.stderr).toBe(0);
  key = JSON.parse(readFileSync(join(pack, 'manifest.json'), 'utf8')).audit.verifierKey;
}, 120_000);

describe('evidence-pack verify binds the records to the signed log', () => {
  it('accepts the untouched pack, every record bound to a proven entry', async () => {
    const { status, report } = await verify(pack);
    expect(status).toBe(0);
    const records = report.checks.find((c) => c.check === 'records');
    expect(records?.ok).toBe(true);
    expect(records?.summary).toMatch(
      /^4 approvals, 4 decisions, 2 requests and \d+ polic(y|ies) match the proven audit entries/,
    );
  });

  it('names an approval whose approver was forged', async () => {
    type Row = { id: string; approver: string };
    let id = '';
    const copy = tampered(
      'approvals.json',
      editJson<Row>((rows) => {
        const first = rows[0] as Row;
        id = first.id;
        first.approver = 'mallory';
      }),
    );
    const { status, report } = await verify(copy);
    expect(status).toBe(1);
    expect(failed(report)).toEqual(['records']);
    expect(recordFailures(report)).toContain(`approvals.json: approval ${id}`);
    expect(recordFailures(report)).toContain('approver is "mallory"');
  });

  it('names a decision whose outcome was flipped', async () => {
    type Row = { id: string; outcome: string };
    let id = '';
    const copy = tampered(
      'decisions.json',
      editJson<Row>((rows) => {
        const last = rows.at(-1) as Row;
        id = last.id;
        last.outcome = last.outcome === 'allowed' ? 'denied' : 'allowed';
      }),
    );
    const { status, report } = await verify(copy);
    expect(status).toBe(1);
    expect(failed(report)).toEqual(['records']);
    expect(recordFailures(report)).toContain(`decisions.json: decision ${id}`);
    expect(recordFailures(report)).toContain('outcome');
  });

  it('names a request whose ticket was changed', async () => {
    type Row = { id: string; ticket?: string };
    let id = '';
    const copy = tampered(
      'requests.json',
      editJson<Row>((rows) => {
        const first = rows[0] as Row;
        id = first.id;
        first.ticket = 'RISK-999';
      }),
    );
    const { status, report } = await verify(copy);
    expect(status).toBe(1);
    expect(failed(report)).toEqual(['records']);
    expect(recordFailures(report)).toContain(`requests.json: request ${id}`);
    expect(recordFailures(report)).toMatch(/ticket is "RISK-999", the log says ("RISK-3"|absent)/);
  });

  it('names a policy file whose rules were changed', async () => {
    const name = readdirSync(join(pack, 'policy'))[0] as string;
    const copy = tampered(`policy/${name}`, (text) =>
      text.replace('maxDegradation: 0.01', 'maxDegradation: 0.05'),
    );
    const { status, report } = await verify(copy);
    expect(status).toBe(1);
    expect(failed(report)).toEqual(['records']);
    expect(recordFailures(report)).toContain(`policy/${name}`);
  });

  it('lets a comment-only policy edit through: the log binds the parsed policy, as documented', async () => {
    const name = readdirSync(join(pack, 'policy'))[0] as string;
    const copy = tampered(`policy/${name}`, (text) => `# reformatted by hand\n${text}`);
    const { status, report } = await verify(copy);
    expect(status).toBe(0);
    expect(report.valid).toBe(true);
  });

  it('names a malformed record instead of failing as a whole', async () => {
    type Row = { id: string; gates: unknown[] };
    let id = '';
    const copy = tampered(
      'decisions.json',
      editJson<Row>((rows) => {
        const first = rows[0] as Row;
        id = first.id;
        first.gates = [null];
      }),
    );
    const { status, report } = await verify(copy);
    expect(status).toBe(1);
    expect(recordFailures(report)).toContain(`decisions.json: decision ${id}`);
    expect(recordFailures(report)).toContain('is not a well-formed record');
  });

  it('names an approval left out of approvals.json', async () => {
    const copy = tampered(
      'approvals.json',
      editJson<unknown>((rows) => {
        rows.pop();
      }),
    );
    const { status, report } = await verify(copy);
    expect(status).toBe(1);
    expect(recordFailures(report)).toMatch(
      /approvals\.json leaves out approval \S+ that audit entry \d+ records/,
    );
  });

  it('refuses an approval bound only to an entry appended after the checkpoint', async () => {
    // A forger adds an approval and an entry for it past the checkpoint, listed as not covered.
    type Row = { id: string; approver: string };
    let forged: Row | undefined;
    let copy = tampered(
      'approvals.json',
      editJson<Row>((rows) => {
        forged = { ...(rows[0] as Row), id: 'forged-approval', approver: 'mallory' };
        rows.push(forged);
      }),
    );
    const entriesPath = join(copy, 'audit', 'entries.jsonl');
    const lines = readFileSync(entriesPath, 'utf8').trimEnd().split('\n');
    const template = lines
      .map((l) => JSON.parse(l))
      .find((e: { action: string }) => e.action === 'approval.recorded');
    const manifest = JSON.parse(readFileSync(join(copy, 'manifest.json'), 'utf8'));
    const seq = manifest.audit.checkpoint.size + 5;
    const entry = {
      ...template,
      seq,
      actor: { id: 'mallory', kind: 'user' },
      data: { ...template.data, approvalId: 'forged-approval' },
    };
    const pack2 = copy;
    copy = tampered('audit/entries.jsonl', (text) => `${text}${canonicalJson(entry)}\n`);
    // tampered() copied the original pack: carry the forged approvals.json over.
    cpSync(join(pack2, 'approvals.json'), join(copy, 'approvals.json'));
    const manifestPath = join(copy, 'manifest.json');
    const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const approvals = readFileSync(join(copy, 'approvals.json'));
    for (const row of m.files)
      if (row.path === 'approvals.json') {
        row.sha256 = sha256(approvals);
        row.size = approvals.length;
      }
    m.audit.entries += 1;
    m.audit.notCovered = [...m.audit.notCovered, seq];
    m.packDigest = sha256(canonicalJson(m.files));
    writeFileSync(manifestPath, JSON.stringify(m));
    const { status, report } = await verify(copy);
    expect(status).toBe(1);
    expect(failed(report)).toEqual(['records']);
    expect(recordFailures(report)).toContain('approvals.json: approval forged-approval');
    expect(recordFailures(report)).toContain('newer than the signed checkpoint');
  });
});
