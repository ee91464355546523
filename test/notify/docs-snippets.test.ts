/**
 * docs/reference/notifications.md is checked here: its event examples are the samples and pass
 * the contract, and its verification snippets (Node and Python) are run against deliveries
 * Clearance signs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { notificationEventTypes, parseNotificationEvent } from '../../src/domain/index.js';
import { generateWebhookSecret, signWebhook } from '../../src/notify/index.js';
import { sampleEvents } from './sample-events.js';

const doc = readFileSync(
  join(import.meta.dirname, '../../docs/reference/notifications.md'),
  'utf8',
);

function snippet(name: string, language: string): string {
  const match = new RegExp(
    `<!-- snippet: ${name} -->\\n\`\`\`${language}\\n([\\s\\S]*?)\\n\`\`\``,
  ).exec(doc);
  if (!match?.[1]) throw new Error(`No ${language} snippet "${name}" in notifications.md`);
  return match[1];
}

interface Case {
  name: string;
  secret: string;
  headers: Record<string, string>;
  body: string;
  genuine: boolean;
}

function cases(): Case[] {
  const secret = generateWebhookSecret();
  const other = generateWebhookSecret();
  const body = JSON.stringify(sampleEvents[0]);
  const accented = JSON.stringify({ ...sampleEvents[4], note: 'Zürich — 確認 ✓' });
  const sign = (b: string, secrets: string[], timestamp?: Date) => ({
    ...signWebhook({
      id: 'evt_01JAPPROVALREQ',
      body: b,
      secrets,
      ...(timestamp ? { timestamp } : {}),
    }),
  });
  return [
    { name: 'genuine', secret, headers: sign(body, [secret]), body, genuine: true },
    {
      name: 'non-ASCII body',
      secret,
      headers: sign(accented, [secret]),
      body: accented,
      genuine: true,
    },
    { name: 'rotation', secret, headers: sign(body, [other, secret]), body, genuine: true },
    {
      name: 'changed body',
      secret,
      headers: sign(body, [secret]),
      body: body.replace('olga', 'eve'),
      genuine: false,
    },
    {
      name: 'old timestamp',
      secret,
      headers: sign(body, [secret], new Date(Date.now() - 10 * 60_000)),
      body,
      genuine: false,
    },
    { name: 'wrong secret', secret: other, headers: sign(body, [secret]), body, genuine: false },
  ];
}

const nodeHarness = `import { verifyWebhook } from './verify.mjs';
const cases = JSON.parse(process.argv[2]);
console.log(JSON.stringify(cases.map((c) => {
  try { verifyWebhook(c.secret, c.headers, Buffer.from(c.body, 'utf8')); return true; }
  catch { return false; }
})));
`;

const pythonHarness = `import json, sys
from verify import verify_webhook
results = []
for c in json.loads(sys.stdin.read()):
    try:
        verify_webhook(c["secret"], c["headers"], c["body"].encode("utf-8"))
        results.append(True)
    except ValueError:
        results.append(False)
print(json.dumps(results))
`;

const hasPython = spawnSync('python3', ['--version']).status === 0;
if (!hasPython) console.warn('SKIPPED: python3 is not installed, so the Python snippet is not run');

describe('docs/reference/notifications.md', () => {
  it('shows one example per event type, each the sample and valid under the contract', () => {
    const examples = [...doc.matchAll(/### `([a-z_.]+)`\n[\s\S]*?```json\n([\s\S]*?)\n```/g)];
    expect(examples.map((m) => m[1])).toEqual(notificationEventTypes);
    for (const [, type, json] of examples) {
      const parsed = JSON.parse(json ?? '');
      expect(parseNotificationEvent(parsed).ok, type).toBe(true);
      expect(parsed).toEqual(sampleEvents.find((event) => event.type === type));
    }
  });

  it('has a Node verification snippet that accepts genuine deliveries and refuses forged ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clearance-docs-node-'));
    writeFileSync(join(dir, 'verify.mjs'), snippet('verify-node', 'js'));
    writeFileSync(join(dir, 'run.mjs'), nodeHarness);
    const all = cases();
    const run = spawnSync(process.execPath, [join(dir, 'run.mjs'), JSON.stringify(all)], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual(all.map((c) => c.genuine));
  });

  it.skipIf(!hasPython)(
    'has a Python verification snippet that accepts genuine deliveries and refuses forged ones',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'clearance-docs-python-'));
      writeFileSync(join(dir, 'verify.py'), snippet('verify-python', 'python'));
      writeFileSync(join(dir, 'run.py'), pythonHarness);
      const all = cases();
      const run = spawnSync('python3', [join(dir, 'run.py')], {
        input: JSON.stringify(all),
        encoding: 'utf8',
        cwd: dir,
      });
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout)).toEqual(all.map((c) => c.genuine));
    },
  );
});
