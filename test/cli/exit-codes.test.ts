/**
 * Every exit code docs/reference/cli.md documents, held against real invocations: the command as a
 * user types it (in-process through `main`, or the built binary where only a process shows it —
 * a server that must exit when its port is taken). Bad input is one line on stderr naming the file
 * or port and the fix, printed once, without a stack trace unless `--debug`.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportError } from '../../src/cli/report-error.js';
import { repoRoot, runBinary, runCli } from './run-cli.js';

const credit = join(repoRoot, 'examples', 'credit-risk');
const predictions = join(credit, 'candidates', 'passing', 'predictions.csv');
const check = (candidate: string) => [
  'check',
  '--policy',
  join(credit, 'policy.yaml'),
  '--transition',
  'staging:production',
  '--evidence',
  join(credit, 'candidates', candidate),
  '--baseline',
  join(credit, 'baseline'),
];
const work = mkdtempSync(join(tmpdir(), 'clearance-exit-codes-'));
const aDirectory = join(work, 'a-directory');
mkdirSync(aDirectory);
const notJson = join(work, 'lineage.json');
writeFileSync(notJson, '{ "codeCommit": ');
const body = join(work, 'body.json');
writeFileSync(body, '{"type":"transition.executed"}');
// A copy of the credit-risk example whose first case expects the opposite of what it decides.
const wrongExamples = join(work, 'wrong-examples');
cpSync(credit, join(wrongExamples, 'credit-risk'), { recursive: true });
const cases = join(wrongExamples, 'credit-risk', 'cases.yaml');
const casesText = readFileSync(cases, 'utf8');
const firstExpected = /decision: (allowed|denied)/.exec(casesText)?.[1];
writeFileSync(
  cases,
  casesText.replace(
    `decision: ${firstExpected}`,
    `decision: ${firstExpected === 'allowed' ? 'denied' : 'allowed'}`,
  ),
);
const registerVersion = (lineage: string) => [
  'version',
  'register',
  'credit-risk-pd',
  '2026.2',
  '--artifact-uri',
  's3://models/pd/2026.2',
  '--artifact-digest',
  `sha256:${'a'.repeat(64)}`,
  '--lineage',
  lineage,
  '--server',
  'http://127.0.0.1:9',
  '--token',
  'clr_unused',
];

interface Row {
  what: string;
  args: string[];
  code: 0 | 1 | 2;
  /** For exit 2: what the one line on stderr must say (the file, port or flag, and the fix). */
  says?: RegExp[];
}

const rows: Row[] = [
  { what: '--version', args: ['--version'], code: 0 },
  { what: 'check, every gate passes', args: check('passing'), code: 0 },
  {
    what: 'eval on a readable predictions file',
    args: ['eval', '--predictions', predictions, '--label', 'repaid', '--score', 'score'],
    code: 0,
  },
  {
    what: 'policy explain --format json',
    args: ['policy', 'explain', join(credit, 'policy.yaml'), '--format', 'json'],
    code: 0,
  },
  { what: 'check, a gate fails', args: check('failing'), code: 1 },
  {
    what: 'examples, a case decided unexpectedly',
    args: ['examples', wrongExamples],
    code: 1,
  },
  {
    what: 'webhook verify, a signature the secret did not make',
    args: [
      'webhook',
      'verify',
      '--secret',
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      '--body',
      body,
      '--header',
      'webhook-id: msg_1',
      '--header',
      'webhook-timestamp: 1767225600',
      '--header',
      `webhook-signature: v1,${'A'.repeat(43)}=`,
      '--now',
      '2026-01-01T00:00:00Z',
    ],
    code: 1,
  },
  {
    what: 'init --template that is not a template',
    args: ['init', '--template', 'no-such-template', '--output', join(work, 'p.yaml')],
    code: 2,
    says: [/no template named "no-such-template"/, /credit-risk/, /--template/],
  },
  {
    what: 'examples copy of an example that does not exist',
    args: ['examples', 'copy', 'no-such-example', '--output', join(work, 'copied')],
    code: 2,
    says: [/no worked example named "no-such-example"/, /credit-risk/],
  },
  {
    what: 'examples copy into a directory that exists',
    args: ['examples', 'copy', 'credit-risk', '--output', aDirectory],
    code: 2,
    says: [/a-directory already exists; nothing was copied/, /another --output/],
  },
  {
    what: 'evidence-pack verify on a file that is not a pack',
    args: ['evidence-pack', 'verify', body, '--key', 'clearance+00000000+AAAA'],
    code: 2,
    says: [/body\.json: The file is not a gzip-compressed tar evidence pack/, /Download the pack/],
  },
  {
    what: 'audit verify --file on a file that is not an export',
    args: ['audit', 'verify', '--file', body],
    code: 2,
    says: [
      /body\.json line 1 is not a clearance-audit-export\/v1 header/,
      /Pass a file written by `clearance audit export`/,
    ],
  },
  {
    what: 'eval --predictions on a missing file',
    args: ['eval', '--predictions', 'missing.csv', '--label', 'y', '--score', 'p'],
    code: 2,
    says: [/missing\.csv/, /no such file/, /Check the path/],
  },
  {
    what: 'eval --predictions on a directory',
    args: ['eval', '--predictions', aDirectory, '--label', 'y', '--score', 'p'],
    code: 2,
    says: [/a-directory/],
  },
  {
    what: 'eval --threshold that is not a number',
    args: [
      'eval',
      '--predictions',
      predictions,
      '--label',
      'repaid',
      '--score',
      'score',
      '--threshold',
      'abc',
    ],
    code: 2,
    says: [/"abc"/, /--threshold 0\.5/],
  },
  {
    what: 'eval --confidence outside (0, 1)',
    args: [
      'eval',
      '--predictions',
      predictions,
      '--label',
      'repaid',
      '--score',
      'score',
      '--confidence',
      '2',
    ],
    code: 2,
    says: [/Confidence "2" is not between 0 and 1/, /--confidence 0\.95/],
  },
  {
    what: 'check --output into a directory that does not exist',
    args: [...check('passing'), '--output', join(work, 'no-such-dir', 'report.txt')],
    code: 2,
    says: [/no-such-dir\/report\.txt/, /no such file or directory/],
  },
  {
    what: 'version register --lineage on a missing file',
    args: registerVersion(join(work, 'missing.json')),
    code: 2,
    says: [/missing\.json/, /no such file/, /Check the path/],
  },
  {
    what: 'version register --lineage on a file that cannot be read (a directory)',
    args: registerVersion(aDirectory),
    code: 2,
    says: [/a-directory/, /is a directory/, /Pass a file/],
  },
  {
    what: 'version register --lineage on a file that is not JSON',
    args: registerVersion(notJson),
    code: 2,
    says: [/lineage\.json \(--lineage\) is not valid JSON/, /Fix the JSON/],
  },
  {
    what: 'check --policy on a missing file',
    args: [
      'check',
      '--policy',
      'nope.yaml',
      '--transition',
      'staging:production',
      '--evidence',
      '.',
    ],
    code: 2,
    says: [/nope\.yaml/, /Check the path/],
  },
  {
    what: 'check --format with an unknown value',
    args: [...check('passing'), '--format', 'pdf'],
    code: 2,
    says: [/--format/, /'pdf'/, /text, json, junit, markdown/],
  },
  {
    what: 'serve --port that is not a port',
    args: ['serve', '--port', '99999', '--data-dir', join(work, 'data-bad-port')],
    code: 2,
    says: [/port/, /<=65535/, /its flag/],
  },
  {
    what: 'serve --port that is not a number',
    args: ['serve', '--port', 'abc', '--data-dir', join(work, 'data-nan-port')],
    code: 2,
    says: [/port: "abc" is not a number/, /CLEARANCE_PORT, or with its flag/],
  },
  {
    what: 'serve --port that HTTP clients refuse (6000, a Fetch standard bad port)',
    args: ['serve', '--port', '6000', '--data-dir', join(work, 'data-fetch-bad-port')],
    code: 2,
    says: [/port: 6000 is one HTTP clients refuse to connect to/, /--port 8080/],
  },
  {
    // TEST-NET-1 (RFC 5737): an address no machine here has.
    what: 'serve --host that is not an address of this machine (any free port)',
    args: ['serve', '--host', '192.0.2.1', '--port', '0', '--data-dir', join(work, 'data-host')],
    code: 2,
    says: [/^error: cannot listen on 192\.0\.2\.1: the address is not one of this machine's\./],
  },
  {
    what: '--server on a port HTTP clients refuse (6000, a Fetch standard bad port)',
    args: ['version', 'list', 'credit-risk-pd', '--server', 'http://127.0.0.1:6000'],
    code: 2,
    says: [/Port 6000 is one HTTP clients refuse to connect to/, /serve --port 8080/],
  },
  {
    what: 'import mlflow --from that is not a URL',
    args: ['import', 'mlflow', '--from', 'mlflow.internal'],
    code: 2,
    says: [/--from "mlflow\.internal" is not a URL\. Pass the MLflow tracking server/],
  },
  {
    what: "import mlflow --page-size beyond MLflow's cap",
    args: ['import', 'mlflow', '--from', 'http://127.0.0.1:9', '--page-size', '5000'],
    code: 2,
    says: [/--page-size "5000" is not a whole number from 1 to 1000/],
  },
  {
    what: 'import mlflow --policy without --owner-team',
    args: ['import', 'mlflow', '--from', 'http://127.0.0.1:9', '--policy', 'p.yaml'],
    code: 2,
    says: [/--policy and --owner-team go together/],
  },
  {
    what: '--server that is not an http(s) URL',
    args: ['version', 'list', 'credit-risk-pd', '--server', 'notaurl'],
    code: 2,
    says: [/--server "notaurl" is not an http\(s\) URL/, /--server http:\/\/127\.0\.0\.1:8080/],
  },
  {
    what: 'evidence-pack verify --key-fingerprint that is not sha256:HEX',
    args: ['evidence-pack', 'verify', aDirectory, '--key-fingerprint', 'nothex'],
    code: 2,
    says: [/--key-fingerprint "nothex" is not sha256:<64 hex digits>/, /verifier-key\.txt/],
  },
  {
    what: 'audit verify on a SQLite database that does not exist (a typo must not verify)',
    args: ['audit', 'verify', '--database', `sqlite:${join(work, 'typo', 'clearnce.db')}`],
    code: 2,
    says: [/clearnce\.db/, /no such file/, /--database/],
  },
  {
    what: '--database naming a PostgreSQL server nothing listens on',
    args: ['audit', 'verify', '--database', 'postgres://postgres@127.0.0.1:9/clearance'],
    code: 2,
    says: [/cannot connect to 127\.0\.0\.1:9: connection refused/, /--database/],
  },
  { what: 'an unknown command', args: ['no-such-command'], code: 2, says: [/unknown command/] },
];

const linesOf = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

describe('exit codes (docs/reference/cli.md)', () => {
  for (const row of rows) {
    it(`${row.code}: ${row.what}`, async () => {
      const run = await runCli(row.args, { cwd: work });
      expect(run.status, run.stderr).toBe(row.code);
      if (row.code !== 2) return;
      const lines = linesOf(run.stderr);
      // One error line (commander adds one line pointing at the help); never a stack trace.
      expect(lines[0]).toMatch(/^error: /);
      expect(lines.length, run.stderr).toBeLessThanOrEqual(2);
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.stderr).not.toContain('internal error');
      for (const pattern of row.says ?? []) expect(lines[0]).toMatch(pattern);
    });
  }

  it('2 for audit verify on a missing SQLite file, which is left uncreated', async () => {
    const missing = join(work, 'nowhere', 'clearance.db');
    const run = await runCli(['audit', 'verify', '--database', `sqlite:${missing}`], { cwd: work });
    expect(run.status, run.stderr).toBe(2);
    expect(existsSync(missing)).toBe(false);
  });

  it('2 with the stack trace as well under --debug, the error still said once', async () => {
    const run = await runCli(
      ['eval', '--predictions', 'missing.csv', '--label', 'y', '--score', 'p', '--debug'],
      { cwd: work },
    );
    expect(run.status).toBe(2);
    expect(run.stderr.match(/^error: /gm)).toHaveLength(1);
    expect(run.stderr).toMatch(/^\s+at /m);
  });

  it('2 with the stack trace under CLEARANCE_DEBUG=1 too, and without it under any other value', async () => {
    const args = ['eval', '--predictions', 'missing.csv', '--label', 'y', '--score', 'p'];
    const loud = await runCli(args, { cwd: work, env: { CLEARANCE_DEBUG: '1' } });
    expect(loud.status).toBe(2);
    expect(loud.stderr.match(/^error: /gm)).toHaveLength(1);
    expect(loud.stderr).toMatch(/^\s+at /m);
    const quiet = await runCli(args, { cwd: work, env: { CLEARANCE_DEBUG: 'yes' } });
    expect(quiet.status).toBe(2);
    expect(quiet.stderr).not.toMatch(/^\s+at /m);
  });

  it('3 for a bug: an id, the message, and the stack only under --debug', () => {
    const quiet = collect();
    expect(reportError(new TypeError('x is undefined'), quiet.stream)).toBe(3);
    expect(quiet.text()).toMatch(/^internal error [0-9a-f]{8}: x is undefined\n/);
    expect(quiet.text()).toContain('--debug');
    expect(quiet.text()).not.toMatch(/^\s+at /m);
    const loud = collect();
    expect(reportError(new TypeError('x is undefined'), loud.stream, true)).toBe(3);
    expect(loud.text()).toMatch(/^\s+at /m);
  });

  describe('serve on a port another process holds', () => {
    let holder: Server;
    let port: number;
    beforeAll(async () => {
      holder = createServer();
      await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
      const address = holder.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      port = address.port;
    });
    afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

    it('2: the binary exits, naming the port and the fix, once, without a stack trace', () => {
      const run = runBinary(
        ['serve', '--port', String(port), '--data-dir', join(work, 'data-busy')],
        { cwd: work, timeoutMs: 30_000 },
      );
      expect(run.status, run.stderr).toBe(2);
      const errors = linesOf(run.stderr).filter((line) => line.startsWith('error: '));
      expect(errors).toEqual([
        `error: port 127.0.0.1:${port} is already in use. Stop what listens there, or start on another port with --port N (0 picks a free one).`,
      ]);
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.stdout).not.toContain('Clearance listening');
    });
  });
});

/** docs/reference/cli.md's table of where each exit 1 that needs a registry is held. */
function heldTable(doc: string): { command: string; code: number; files: string[] }[] {
  const start = doc.indexOf('| command | exit | held by |');
  expect(start, 'the held-by table').toBeGreaterThan(0);
  const lines = doc.slice(start).split('\n');
  const rowsOf = lines.slice(
    2,
    lines.findIndex((l, i) => i > 1 && !l.startsWith('|')),
  );
  return rowsOf.map((line) => {
    const [, command = '', code = '', held = ''] = line.split('|').map((c) => c.trim());
    return {
      command: command.replaceAll('`', ''),
      code: Number(code),
      files: [...held.matchAll(/`(test\/[^`]+\.ts)`/g)].map((m) => m[1] ?? ''),
    };
  });
}

/** The command's words as a test passes them to `runCli`: `'audit', 'verify'` (any spacing). */
const argvOf = (command: string) => new RegExp(`'${command.split(' ').join("',\\s*'")}'`);

describe('every exit 1 the commands document is held by a test', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'reference', 'cli.md'), 'utf8');
  const held = heldTable(doc);

  it('each file named runs the command and expects that code', () => {
    expect(held.length).toBeGreaterThan(10);
    for (const { command, code, files } of held) {
      expect(files.length, command).toBeGreaterThan(0);
      for (const file of files) {
        if (file === 'test/cli/exit-codes.test.ts') {
          const row = rows.find((r) => r.code === code && r.args.join(' ').startsWith(command));
          expect(row, `${command} ${code} in this table`).toBeDefined();
          continue;
        }
        const path = join(repoRoot, file);
        expect(existsSync(path), file).toBe(true);
        const text = readFileSync(path, 'utf8');
        // `init`'s exit 1 is the scaffold's `check`; the others run the command itself.
        expect(text, `${file} runs ${command}`).toMatch(
          argvOf(command === 'init' ? 'check' : command),
        );
        expect(text, `${file} expects ${code}`).toMatch(new RegExp(`toBe\\(${code}\\)`));
      }
    }
  });

  it('each section or client command documenting an exit 1 is in the held-by table', () => {
    const exitOne = /\b[Ee]xits? 1\b|\*\*1\*\*|exit is 1|\b1 for\b|; 1 when|\b1 when\b/;
    const heldWords = held.map((h) => h.command.split(' '));
    const words = (text: string) => new Set(text.split(/[^a-z-]+/));
    // A section not named by a command: the command whose row holds it.
    const namedBy: Record<string, string> = { 'Client commands': 'promote' };
    const sections = doc.split(/^## /m).slice(1);
    const documenting = sections.filter((section) => exitOne.test(section.split('\n## ')[0] ?? ''));
    expect(documenting.length).toBeGreaterThan(5);
    for (const section of documenting) {
      const heading = section.split('\n')[0] ?? '';
      if (heading === 'Exit codes') continue;
      const named = namedBy[heading];
      if (named !== undefined) {
        expect(
          held.map((h) => h.command),
          heading,
        ).toContain(named);
        continue;
      }
      const inHeading = words(heading);
      expect(
        heldWords.some((ws) => ws.every((w) => inHeading.has(w))),
        `${heading} documents an exit 1 no test is named for`,
      ).toBe(true);
    }
    for (const line of doc.split('\n')) {
      if (!line.startsWith('| `') || !exitOne.test(line)) continue;
      const command = (line.split('`')[1] ?? '').split(' ')[0] ?? '';
      expect(
        held.some((h) => h.command.split(' ')[0] === command),
        `${command}: ${line}`,
      ).toBe(true);
    }
  });
});

function collect(): { stream: Writable; text(): string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}
