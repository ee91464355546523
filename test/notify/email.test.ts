import type { AddressInfo } from 'node:net';
import { Parser } from 'htmlparser2';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNotificationEvent } from '../../src/domain/index.js';
import {
  createEmailSender,
  type EmailSender,
  renderDigestEmail,
  renderEventEmail,
} from '../../src/notify/index.js';
import { sampleEvents, sampleRequest } from './sample-events.js';

interface Delivered {
  mailFrom: string;
  rcptTo: string[];
  mail: ParsedMail;
}

const options = {
  from: 'Clearance <clearance@ops.example.com>',
  publicUrl: 'https://clearance.example.com',
};
const rita = { userId: 'rita.risk', email: 'rita@example.com', displayName: 'Rita Risk' };
const tom = { userId: 'tom.lead', email: 'tom@example.com' };

let server: SMTPServer;
let sender: EmailSender;
const delivered: Delivered[] = [];

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          delivered.push({
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
            mail,
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  sender = createEmailSender({ host: '127.0.0.1', port });
});

afterAll(async () => {
  sender.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Every element name in the HTML, and a failure if any carries a src attribute. */
function elementsOf(html: string): string[] {
  const names = new Set<string>();
  const parser = new Parser({
    onopentag(name, attributes) {
      names.add(name);
      expect(
        Object.keys(attributes).filter((key) => ['href', 'style', 'charset'].indexOf(key) === -1),
      ).toEqual([]);
    },
  });
  parser.write(html);
  parser.end();
  return [...names].sort();
}

function headerText(mail: ParsedMail, name: string): string {
  const value = mail.headers.get(name);
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

describe('email over SMTP', () => {
  it('sends one message per person, with the right envelope, headers and content', async () => {
    delivered.length = 0;
    const event = sampleEvents[0]!;
    for (const person of [rita, tom]) {
      const result = await sender.send(renderEventEmail(event, person, options));
      expect(result.accepted).toEqual([person.email]);
      expect(result.rejected).toEqual([]);
    }
    expect(delivered.map((d) => d.rcptTo)).toEqual([['rita@example.com'], ['tom@example.com']]);
    const [first, second] = delivered;
    expect(first!.mailFrom).toBe('clearance@ops.example.com');
    expect(first!.mail.from?.value).toEqual([
      { address: 'clearance@ops.example.com', name: 'Clearance' },
    ]);
    expect(first!.mail.to && !Array.isArray(first!.mail.to) && first!.mail.to.value).toEqual([
      { address: 'rita@example.com', name: 'Rita Risk' },
    ]);
    expect(first!.mail.subject).toBe(
      '[Clearance] Approval needed: credit-risk-scorer 7 → production',
    );
    expect(first!.mail.messageId).toBe('<evt_01JAPPROVALREQ.rita.risk@ops.example.com>');
    expect(second!.mail.messageId).toBe('<evt_01JAPPROVALREQ.tom.lead@ops.example.com>');
    expect(headerText(first!.mail, 'content-type')).toMatch(/multipart\/alternative/);
    expect(first!.mail.text).toContain(
      'Who must act: 1 × risk_officer: Rita Risk (rita.risk); 1 × tech_lead: tom.lead',
    );
    expect(first!.mail.text).toContain(
      'https://clearance.example.com/api/v1/requests/req_01JEXAMPLE',
    );
    expect(first!.mail.html).toContain(
      '<a href="https://clearance.example.com/api/v1/requests/req_01JEXAMPLE">Open in Clearance</a>',
    );
  });

  it('escapes every value in the HTML and loads nothing from outside', async () => {
    delivered.length = 0;
    const hostile = buildNotificationEvent({
      type: 'transition.rejected',
      id: 'evt_hostile',
      occurredAt: '2026-12-04T09:30:00.000Z',
      subject: { model: sampleRequest.model, requestId: sampleRequest.id },
      data: {
        request: sampleRequest,
        rejectedBy: 'eve"><script>alert(1)</script>',
        reason: '<img src="https://tracker.example/p.gif"> & \'quoted\'\r\nBcc: victim@example.com',
      },
    });
    await sender.send(renderEventEmail(hostile, rita, options));
    const [got] = delivered;
    const html = String(got!.mail.html);
    expect(elementsOf(html)).toEqual([
      'a',
      'body',
      'br',
      'h2',
      'head',
      'html',
      'meta',
      'p',
      'table',
      'td',
      'th',
      'title',
      'tr',
    ]);
    expect(html).not.toMatch(/url\(/i);
    expect(html).toContain('eve&quot;&gt;&lt;script&gt;');
    expect(html).toContain(
      '&lt;img src=&quot;https://tracker.example/p.gif&quot;&gt; &amp; &#39;quoted&#39;',
    );
    expect(got!.rcptTo).toEqual(['rita@example.com']);
    expect(got!.mail.bcc).toBeUndefined();
    // The only link is to the configured server.
    expect([...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1])).toEqual([
      'https://clearance.example.com/api/v1/requests/req_01JEXAMPLE',
    ]);
  });

  it('renders every event type as text and HTML', () => {
    for (const event of sampleEvents) {
      const message = renderEventEmail(event, tom, options);
      expect(message.subject).toMatch(/^\[Clearance\] \S/);
      expect(message.subject).not.toMatch(/[\r\n]/);
      expect(message.text).toContain(event.id);
      expect(message.html).toMatch(/^<!doctype html>/);
    }
  });

  it('gives two digests of one day different Message-IDs, a resent one the same', () => {
    // With notifyDigestIntervalSeconds under a day, a person gets several digests in a day; mail
    // systems drop a message whose Message-ID they have seen, so each digest needs its own.
    const digest = (events: typeof sampleEvents) =>
      renderDigestEmail({ recipient: rita, day: '2026-12-04', events }, options).messageId;
    const morning = sampleEvents.slice(0, 2);
    const afternoon = sampleEvents.slice(2, 4);
    expect(digest(morning)).not.toBe(digest(afternoon));
    expect(digest(morning)).toBe(digest([...morning]));
  });

  it('sends a daily digest: many events, one message per approver', async () => {
    delivered.length = 0;
    const events = sampleEvents.filter((e) =>
      ['approval.requested', 'gate.failed', 'review.overdue'].includes(e.type),
    );
    for (const person of [rita, tom]) {
      await sender.send(
        renderDigestEmail({ recipient: person, day: '2026-12-04', events }, options),
      );
    }
    expect(delivered).toHaveLength(2);
    const [got] = delivered;
    expect(got!.rcptTo).toEqual(['rita@example.com']);
    expect(got!.mail.subject).toBe('[Clearance] Clearance digest for 2026-12-04: 3 events');
    expect(got!.mail.messageId).toMatch(
      /^<digest\.2026-12-04\.rita\.risk\.[0-9a-f]{16}@ops\.example\.com>$/,
    );
    for (const title of ['Approval needed', 'Gates failed', 'Review overdue']) {
      expect(got!.mail.text).toContain(title);
      expect(got!.mail.html).toContain(title);
    }
  });
});
