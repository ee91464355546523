/**
 * A mistyped `--database` (or `--data-dir`, or CLEARANCE_DATABASE) must not start an empty
 * registry: every command that opens the database, except those meant to start one (`serve`,
 * `admin bootstrap`, `import mlflow`, whose `--dry-run` creates nothing either), exits 2 with one line naming the file and the fix, and
 * creates nothing — no database, no data directory, no signing key.
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'clearance-missing-registry-'));
const policy = join(repoRoot, 'examples', 'credit-risk', 'policy.yaml');

/** Each command as an operator types it on the database, without the database flags. */
const commands: { what: string; args: string[] }[] = [
  { what: 'audit verify', args: ['audit', 'verify'] },
  { what: 'audit verify --state', args: ['audit', 'verify', '--state'] },
  { what: 'audit export', args: ['audit', 'export', '--output', join(work, 'export.jsonl')] },
  { what: 'audit prove', args: ['audit', 'prove', '1'] },
  { what: 'audit checkpoint', args: ['audit', 'checkpoint'] },
  { what: 'audit rotate-key', args: ['audit', 'rotate-key', '--reason', 'Yearly rotation'] },
  { what: 'blobs gc', args: ['blobs', 'gc', '--dry-run'] },
  { what: 'admin user create', args: ['admin', 'user', 'create', '--user', 'omar.owner'] },
  {
    what: 'admin role grant',
    args: ['admin', 'role', 'grant', '--user', 'omar.owner', '--role', 'auditor'],
  },
  { what: 'admin token create', args: ['admin', 'token', 'create', '--user', 'omar.owner'] },
  { what: 'admin token revoke', args: ['admin', 'token', 'revoke', '--id', 'tok_1'] },
  { what: 'version list', args: ['version', 'list', 'credit-risk-pd'] },
  { what: 'version show', args: ['version', 'show', 'credit-risk-pd', '2026.2'] },
  { what: 'evidence list', args: ['evidence', 'list', 'credit-risk-pd', '2026.2'] },
  { what: 'request list', args: ['request', 'list', 'credit-risk-pd'] },
  { what: 'request show', args: ['request', 'show', 'req_1'] },
  { what: 'decision show', args: ['decision', 'show', 'dec_1'] },
  { what: 'history', args: ['history', 'credit-risk-pd'] },
  { what: 'policy backtest', args: ['policy', 'backtest', '--policy', policy] },
  {
    what: 'evidence-pack export',
    args: ['evidence-pack', 'export', 'credit-risk-pd', '2026.2', '--output', join(work, 'p.tgz')],
  },
  { what: 'webhook list', args: ['webhook', 'list'] },
];

/** Commands whose default is the database: with no flags at all they open the config's one. */
const databaseByDefault = new Set([
  'audit verify',
  'audit verify --state',
  'audit export',
  'audit prove',
  'audit checkpoint',
  'audit rotate-key',
  'blobs gc',
  'admin user create',
  'admin role grant',
  'admin token create',
  'admin token revoke',
]);

const linesOf = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

/** One error line naming the file and the fix; no stack, no "internal error". */
function expectRefusal(run: { status: number | null; stderr: string }, file: string): void {
  expect(run.status, run.stderr).toBe(2);
  const lines = linesOf(run.stderr);
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toBe(
    `error: No registry database at ${file}: no such file. Check the path in --database or --data-dir (or CLEARANCE_DATABASE / CLEARANCE_DATA_DIR); a new registry is started by clearance serve or clearance admin bootstrap.`,
  );
}

describe('a registry database that does not exist', () => {
  for (const [i, { what, args }] of commands.entries()) {
    it(`${what} --database sqlite:<typo> exits 2 naming the file, and creates nothing`, async () => {
      const dir = join(work, `typo-${i}`);
      const file = join(dir, 'clearnce.db');
      const run = await runCli([...args, '--database', `sqlite:${file}`], { cwd: work });
      expectRefusal(run, file);
      expect(existsSync(dir)).toBe(false);
    });

    it(`${what} --data-dir <typo> exits 2 naming the file, and creates no data directory`, async () => {
      const dataDir = join(work, `data-typo-${i}`);
      const run = await runCli([...args, '--data-dir', dataDir], { cwd: work });
      expectRefusal(run, join(dataDir, 'clearance.db'));
      expect(existsSync(dataDir)).toBe(false);
    });

    if (databaseByDefault.has(what))
      it(`${what} with CLEARANCE_DATABASE naming a missing file exits 2 and creates nothing`, async () => {
        const cwd = mkdtempSync(join(work, 'empty-'));
        const file = join(cwd, 'nope', 'clearance.db');
        const run = await runCli(args, { cwd, env: { CLEARANCE_DATABASE: `sqlite:${file}` } });
        expectRefusal(run, file);
        // Not even the default data directory (.clearance) with a signing key.
        expect(readdirSync(cwd)).toEqual([]);
      });
  }

  it('import mlflow --dry-run plans against an empty registry and creates nothing there', async () => {
    const dir = join(work, 'dry-run-typo');
    const file = join(dir, 'clearnce.db');
    // Nothing listens on port 9: the run ends at MLflow, after the registry was opened.
    const run = await runCli(
      [
        'import',
        'mlflow',
        '--from',
        'http://127.0.0.1:9',
        '--dry-run',
        '--database',
        `sqlite:${file}`,
      ],
      { cwd: work },
    );
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toContain('127.0.0.1:9');
    expect(existsSync(dir)).toBe(false);
    const cwd = mkdtempSync(join(work, 'empty-'));
    const byDefault = await runCli(
      ['import', 'mlflow', '--from', 'http://127.0.0.1:9', '--dry-run'],
      {
        cwd,
      },
    );
    expect(byDefault.status, byDefault.stderr).toBe(2);
    // Not even the default data directory (.clearance) with a signing key.
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('admin bootstrap starts a new registry there (it is meant to)', async () => {
    const file = join(work, 'new-registry', 'clearance.db');
    const run = await runCli(
      ['admin', 'bootstrap', '--user', 'alice.admin', '--database', `sqlite:${file}`],
      { cwd: work },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(existsSync(file)).toBe(true);
    // Once it exists, the other commands open it.
    const users = await runCli(
      ['admin', 'user', 'create', '--user', 'omar.owner', '--database', `sqlite:${file}`],
      { cwd: work },
    );
    expect(users.status, users.stderr).toBe(0);
    expect(users.stdout).toBe('Created user omar.owner.\n');
  });
});
