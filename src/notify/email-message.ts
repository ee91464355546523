/**
 * Events as email: plain text plus HTML, one message per person. The HTML escapes every value
 * and loads nothing from outside (no images, fonts or style sheets; styles inline), so opening
 * it tells nobody anything and an event field can never become markup. The Message-ID is derived
 * from the event and the recipient, so a retried send is recognisably the same message.
 */
import { createHash } from 'node:crypto';
import { absoluteLink, type NotificationEvent } from '../domain/index.js';
import { describeEvent, type EventDescription } from './describe-event.js';

export interface EmailRecipient {
  userId: string;
  email: string;
  displayName?: string;
}

export interface EmailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** `<…@domain>`, stable for one event and one recipient. */
  messageId: string;
}

export interface EmailRenderOptions {
  /** `Clearance <clearance@example.com>` or a bare address. */
  from: string;
  publicUrl: string;
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Header values must not carry line breaks (header injection); subjects are one line. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\t]+/gu, ' ').trim();
}

function address(recipient: EmailRecipient): string {
  const email = oneLine(recipient.email);
  return recipient.displayName
    ? `"${oneLine(recipient.displayName).replace(/["\\]/gu, '')}" <${email}>`
    : email;
}

function messageId(from: string, parts: string[]): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/u.exec(from)?.[1] ?? 'clearance.invalid';
  const local = parts.map((part) => part.replace(/[^A-Za-z0-9._-]/gu, '_')).join('.');
  return `<${local}@${domain}>`;
}

function textBlock(described: EventDescription, link: string): string {
  const lines = [described.title, '', described.summary];
  if (described.action !== undefined) lines.push('', `Who must act: ${described.action}`);
  lines.push('', ...described.facts.map((fact) => `${fact.label}: ${fact.value}`), '', link);
  return lines.join('\n');
}

function htmlBlock(described: EventDescription, link: string): string {
  const facts = described.facts
    .map(
      (fact) =>
        `<tr><th style="text-align:left;padding:2px 12px 2px 0">${escapeHtml(fact.label)}</th><td>${escapeHtml(fact.value)}</td></tr>`,
    )
    .join('');
  const summary = escapeHtml(described.summary).replaceAll('\n', '<br>');
  return [
    `<h2 style="font-size:18px;margin:0 0 8px">${escapeHtml(described.title)}</h2>`,
    `<p style="margin:0 0 8px">${summary}</p>`,
    described.action === undefined
      ? ''
      : `<p style="margin:0 0 8px"><strong>Who must act:</strong> ${escapeHtml(described.action)}</p>`,
    `<table style="border-collapse:collapse;margin:0 0 8px">${facts}</table>`,
    `<p style="margin:0 0 16px"><a href="${escapeHtml(link)}">Open in Clearance</a></p>`,
  ].join('\n');
}

function htmlPage(title: string, body: string): string {
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title></head>`,
    `<body style="font-family:sans-serif;font-size:14px;color:#1a1a1a">${body}</body></html>`,
  ].join('\n');
}

/** One event, for one person. */
export function renderEventEmail(
  event: NotificationEvent,
  recipient: EmailRecipient,
  options: EmailRenderOptions,
): EmailMessage {
  const described = describeEvent(event);
  const link = absoluteLink(options.publicUrl, event.subject.links.api);
  const footer = `${event.type} · ${event.id}`;
  return {
    from: options.from,
    to: address(recipient),
    subject: oneLine(`[Clearance] ${described.title}`),
    text: `${textBlock(described, link)}\n\n-- \n${footer}\n`,
    html: htmlPage(
      described.title,
      `${htmlBlock(described, link)}\n<p style="color:#666;font-size:12px">${escapeHtml(footer)}</p>`,
    ),
    messageId: messageId(options.from, [event.id, recipient.userId]),
  };
}

export interface DigestInput {
  recipient: EmailRecipient;
  /** The day the digest covers, `YYYY-MM-DD`. */
  day: string;
  events: readonly NotificationEvent[];
}

/** Many events, one message: the daily digest an approver can choose instead of one per event. */
export function renderDigestEmail(input: DigestInput, options: EmailRenderOptions): EmailMessage {
  const count = input.events.length;
  const title = `Clearance digest for ${input.day}: ${count} ${count === 1 ? 'event' : 'events'}`;
  const sections = input.events.map((event) => ({
    described: describeEvent(event),
    link: absoluteLink(options.publicUrl, event.subject.links.api),
  }));
  const text = sections
    .map(({ described, link }) => textBlock(described, link))
    .join('\n\n---\n\n');
  const html = sections
    .map(({ described, link }) => htmlBlock(described, link))
    .join('\n<hr style="border:0;border-top:1px solid #ddd">\n');
  return {
    from: options.from,
    to: address(input.recipient),
    subject: oneLine(`[Clearance] ${title}`),
    text: `${title}\n\n${text}\n`,
    html: htmlPage(title, `<h1 style="font-size:20px">${escapeHtml(title)}</h1>\n${html}`),
    // The events' hash tells apart digests of one day (an interval under a day); a resend of
    // the same digest keeps its id, as a retried single email does.
    messageId: messageId(options.from, [
      'digest',
      input.day,
      input.recipient.userId,
      createHash('sha256')
        .update(input.events.map((e) => e.id).join('\n'))
        .digest('hex')
        .slice(0, 16),
    ]),
  };
}
