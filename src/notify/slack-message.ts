/**
 * An event as a Slack incoming-webhook message (Block Kit): `text` is the fallback shown in
 * notifications and by clients that cannot draw blocks; the blocks are a header (what happened),
 * a section (why), a section naming who must act, fields with the facts, a button linking to the
 * request or model, and a context line with the event type and id. Slack refuses a message that
 * breaks its limits, so every text is cut to them here (Slack's Block Kit reference: header
 * 150 characters, section text 3000, field 2000, button text 75, URL 3000, 10 fields, 50 blocks).
 */
import { absoluteLink, type NotificationEvent } from '../domain/index.js';
import { describeEvent } from './describe-event.js';
import { type DeliveryAttempt, postJson } from './guarded-post.js';
import type { TargetPolicy } from './target-guard.js';

export const slackLimits = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fieldText: 2000,
  fields: 10,
  contextElements: 10,
  buttonText: 75,
  url: 3000,
  fallbackText: 3000,
} as const;

interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
interface Mrkdwn {
  type: 'mrkdwn';
  text: string;
}
export type SlackBlock =
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text: Mrkdwn }
  | { type: 'section'; fields: Mrkdwn[] }
  | {
      type: 'actions';
      elements: { type: 'button'; text: PlainText; url: string; action_id: string }[];
    }
  | { type: 'context'; elements: Mrkdwn[] };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

/** Slack's mrkdwn treats `&`, `<` and `>` as control characters; everything else is literal. */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function cut(text: string, limit: number): string {
  const chars = Array.from(text);
  return chars.length <= limit ? text : `${chars.slice(0, limit - 1).join('')}…`;
}

function mrkdwn(text: string, limit: number): Mrkdwn {
  // Cut before escaping would let an entity push the text past the limit; cut after, then make
  // sure no entity was split in half.
  const escaped = cut(escapeMrkdwn(text), limit);
  return { type: 'mrkdwn', text: escaped.replace(/&[a-z]{0,3}\u2026$/u, '…') };
}

export interface SlackRenderOptions {
  /** The server's public URL; the button links under it. */
  publicUrl: string;
}

export function renderSlackMessage(
  event: NotificationEvent,
  options: SlackRenderOptions,
): SlackMessage {
  const described = describeEvent(event);
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: cut(described.title, slackLimits.headerText),
        emoji: false,
      },
    },
    { type: 'section', text: mrkdwn(described.summary, slackLimits.sectionText) },
  ];
  if (described.action !== undefined) {
    blocks.push({
      type: 'section',
      text: mrkdwn(`Who must act: ${described.action}`, slackLimits.sectionText),
    });
  }
  if (described.facts.length > 0) {
    blocks.push({
      type: 'section',
      fields: described.facts
        .slice(0, slackLimits.fields)
        .map((fact) => mrkdwn(`*${fact.label}*\n${fact.value}`, slackLimits.fieldText)),
    });
  }
  const url = absoluteLink(options.publicUrl, event.subject.links.api);
  if (url.length <= slackLimits.url) {
    const label = event.subject.links.request !== undefined ? 'Open request' : 'Open in Clearance';
    blocks.push({
      type: 'actions',
      elements: [
        { type: 'button', text: { type: 'plain_text', text: label }, url, action_id: 'open' },
      ],
    });
  }
  blocks.push({
    type: 'context',
    elements: [
      mrkdwn(`${event.type} · ${event.occurredAt} · ${event.id}`, slackLimits.sectionText),
    ],
  });
  const fallback = `${described.title}: ${described.summary}`;
  return { text: mrkdwn(fallback, slackLimits.fallbackText).text, blocks };
}

export interface SlackSend {
  /** The incoming-webhook URL (a secret: it is the only credential Slack asks for). */
  url: string;
  message: SlackMessage;
  policy: TargetPolicy;
  timeoutMs?: number;
}

/** Posts a message to a Slack incoming webhook; Slack answers 200 `ok`, or 4xx with a reason. */
export function sendSlackMessage(send: SlackSend): Promise<DeliveryAttempt> {
  return postJson({
    url: send.url,
    body: JSON.stringify(send.message),
    policy: send.policy,
    ...(send.timeoutMs === undefined ? {} : { timeoutMs: send.timeoutMs }),
  });
}
