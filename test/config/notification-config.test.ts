/**
 * Notification settings are checked when the configuration loads (every problem named, with its
 * key) and Slack targets when the server starts: a rule that could never deliver stops it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { assertNotificationTargets, openRegistry } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import { isClearanceError } from '../../src/domain/index.js';

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (isClearanceError(error)) return (error.problems ?? []).map((p) => p.message);
    throw error;
  }
  throw new Error('the configuration loaded');
}

it('reads routing rules from the environment as JSON and from a file as a list', () => {
  const rules = [
    {
      name: 'releases',
      channel: 'slack',
      events: '*',
      toState: 'production',
      url: 'https://hooks.slack.com/services/T/B/x',
    },
    { channel: 'email', events: ['approval.requested'], awaitingRoles: true, digest: true },
  ];
  const config = loadConfig({
    env: {
      CLEARANCE_NOTIFICATION_RULES: JSON.stringify(rules),
      CLEARANCE_SMTP_URL: 'smtp://mail.example.com:587',
      CLEARANCE_EMAIL_FROM: 'clearance@example.com',
    },
  });
  expect(config.notificationRules).toEqual(rules);
});

it('names every invalid notification setting at once', () => {
  const problems = problemsOf(() =>
    loadConfig({
      env: {
        CLEARANCE_NOTIFICATION_RULES: JSON.stringify([
          { channel: 'email', events: ['approval.requested'], roles: ['risk_officer'] },
          { channel: 'slack', events: ['gate.failed'] },
          { channel: 'slack', events: ['no.such_event'], url: 'https://hooks.example.com/x' },
        ]),
        CLEARANCE_SMTP_URL: 'http://mail.example.com',
      },
    }),
  );
  expect(problems.join('\n')).toMatch(/notificationRules\.2\.events/);
  expect(problems.join('\n')).toMatch(
    /notificationRules\.1\.url: A Slack rule needs its webhook url/,
  );
  expect(problems.join('\n')).toMatch(/smtpUrl: must be smtp:\/\/host:port/);
  const crossChecked = problemsOf(() =>
    loadConfig({
      env: {
        CLEARANCE_NOTIFICATION_RULES: JSON.stringify([
          { channel: 'email', events: '*', users: ['rita'] },
        ]),
        CLEARANCE_NOTIFY_ALLOW_ADDRESSES: 'loopback,intranet',
      },
    }),
  );
  expect(crossChecked).toEqual([
    'notificationRules: 1 email rule(s) but smtpUrl or emailFrom is empty.',
    'notifyAllowAddresses: "intranet" is not an address class.',
  ]);
});

it('refuses to start with a Slack rule whose URL the address check refuses', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'clearance-notify-config-'));
  const registry = await openRegistry(
    loadConfig({
      env: {},
      flags: {
        dataDir,
        notificationRules: JSON.stringify([
          { name: 'ops', channel: 'slack', events: '*', url: 'http://10.1.2.3/hook' },
        ]),
      },
    }),
  );
  try {
    const problems = await assertNotificationTargets(registry).then(
      () => [],
      (error: unknown) => (isClearanceError(error) ? (error.problems ?? []) : [String(error)]),
    );
    expect(problems.map((p) => (typeof p === 'string' ? p : p.message))).toEqual([
      'notificationRules[0] (ops): Target 10.1.2.3 refused: 10.1.2.3 is a private address.',
    ]);
  } finally {
    await registry.close();
  }
});

it('starts with a Slack rule whose name does not resolve now: each delivery checks it again', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'clearance-notify-config-'));
  const registry = await openRegistry(
    loadConfig({
      env: {},
      flags: {
        dataDir,
        // .invalid never resolves (RFC 6761), as a name does while DNS is briefly down.
        notificationRules: JSON.stringify([
          { name: 'ops', channel: 'slack', events: '*', url: 'https://hooks.clearance.invalid/x' },
        ]),
      },
    }),
  );
  try {
    await expect(assertNotificationTargets(registry)).resolves.toBeUndefined();
  } finally {
    await registry.close();
  }
});
