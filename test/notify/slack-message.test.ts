import { describe, expect, it } from 'vitest';
import { buildNotificationEvent } from '../../src/domain/index.js';
import {
  renderSlackMessage,
  type SlackMessage,
  sendSlackMessage,
  slackLimits,
} from '../../src/notify/index.js';
import { startReceiver } from './receiver.js';
import { sampleEvents, sampleRequest } from './sample-events.js';

const publicUrl = 'https://clearance.example.com';

/**
 * Slack's documented shape for the blocks we send (Block Kit reference: blocks, composition
 * objects, button element); Slack answers 400 `invalid_blocks` to anything else.
 */
function slackProblems(message: SlackMessage): string[] {
  const problems: string[] = [];
  const textObject = (where: string, object: unknown, types: string[], max: number) => {
    const t = object as { type?: unknown; text?: unknown };
    if (!types.includes(String(t.type))) problems.push(`${where}: text type ${String(t.type)}`);
    if (typeof t.text !== 'string' || t.text.length === 0) problems.push(`${where}: empty text`);
    else if (Array.from(t.text).length > max) problems.push(`${where}: ${t.text.length} > ${max}`);
  };
  if (typeof message.text !== 'string' || message.text.length === 0)
    problems.push('no fallback text');
  if (message.blocks.length === 0 || message.blocks.length > slackLimits.blocks)
    problems.push('block count');
  message.blocks.forEach((block, i) => {
    const where = `blocks[${i}] ${block.type}`;
    const keys = Object.keys(block).sort().join(',');
    if (block.type === 'header') {
      if (keys !== 'text,type') problems.push(`${where}: keys ${keys}`);
      textObject(where, block.text, ['plain_text'], 150);
    } else if (block.type === 'section') {
      if ('text' in block) textObject(where, block.text, ['plain_text', 'mrkdwn'], 3000);
      if ('fields' in block) {
        if (block.fields.length > 10) problems.push(`${where}: too many fields`);
        for (const [j, f] of block.fields.entries()) {
          textObject(`${where}.fields[${j}]`, f, ['plain_text', 'mrkdwn'], 2000);
        }
      }
      if (!('text' in block) && !('fields' in block))
        problems.push(`${where}: neither text nor fields`);
    } else if (block.type === 'actions') {
      if (block.elements.length === 0 || block.elements.length > 25)
        problems.push(`${where}: elements`);
      for (const button of block.elements) {
        textObject(`${where} button`, button.text, ['plain_text'], 75);
        if (!/^https?:\/\//.test(button.url) || button.url.length > 3000)
          problems.push(`${where}: url`);
        if (button.action_id.length === 0 || button.action_id.length > 255)
          problems.push(`${where}: action_id`);
      }
    } else if (block.type === 'context') {
      if (block.elements.length === 0 || block.elements.length > 10)
        problems.push(`${where}: elements`);
      for (const [j, e] of block.elements.entries()) {
        textObject(`${where}[${j}]`, e, ['plain_text', 'mrkdwn'], 3000);
      }
    } else {
      problems.push(`${where}: unknown block type`);
    }
  });
  return problems;
}

describe('Slack messages', () => {
  it.each(sampleEvents.map((event) => [event.type, event] as const))(
    "renders %s in Slack's documented shape",
    (_, event) => {
      const message = renderSlackMessage(event, { publicUrl });
      expect(slackProblems(message)).toEqual([]);
      expect(message.blocks[0]?.type).toBe('header');
      expect(message.blocks.map((b) => b.type)).toContain('actions');
      expect(message.blocks.at(-1)?.type).toBe('context');
    },
  );

  it('says what happened, who must act, and links to the request', () => {
    const message = renderSlackMessage(sampleEvents[0]!, { publicUrl });
    expect(message.text).toMatch(/^Approval needed: credit-risk-scorer 7 → production/);
    const texts = JSON.stringify(message.blocks);
    expect(texts).toContain(
      'Who must act: 1 × risk_officer: Rita Risk (rita.risk); 1 × tech_lead: tom.lead',
    );
    expect(texts).toContain('Quarterly retrain on November data');
    const actions = message.blocks.find((b) => b.type === 'actions');
    expect(actions).toMatchObject({
      elements: [
        {
          type: 'button',
          url: 'https://clearance.example.com/api/v1/requests/req_01JEXAMPLE',
          text: { text: 'Open request' },
        },
      ],
    });
  });

  it("escapes mrkdwn control characters and cuts long text to Slack's limits", () => {
    const hostile = buildNotificationEvent({
      type: 'transition.rejected',
      id: 'evt_hostile',
      occurredAt: '2026-12-04T09:30:00.000Z',
      subject: {
        model: sampleRequest.model,
        version: sampleRequest.version,
        requestId: sampleRequest.id,
      },
      data: {
        request: { ...sampleRequest, model: 'm'.repeat(200) },
        rejectedBy: 'eve',
        reason: `<!channel> <https://evil.example|click> & ${'x'.repeat(5000)}`,
      },
    });
    const message = renderSlackMessage(hostile, { publicUrl });
    expect(slackProblems(message)).toEqual([]);
    const all = JSON.stringify(message);
    expect(all).not.toContain('<!channel>');
    expect(all).toContain('&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp;');
    const header = message.blocks[0];
    expect(header?.type === 'header' && Array.from(header.text.text).length).toBe(150);
  });

  it("posts to an incoming webhook and reads Slack's refusal as permanent", async () => {
    const receiver = await startReceiver((index, response) => {
      response.statusCode = index === 0 ? 200 : 400;
      response.end(index === 0 ? 'ok' : 'invalid_blocks');
    });
    try {
      const message = renderSlackMessage(sampleEvents[2]!, { publicUrl });
      const send = () =>
        sendSlackMessage({ url: receiver.url, message, policy: { allow: ['loopback'] } });
      expect(await send()).toMatchObject({
        outcome: 'delivered',
        status: 200,
        responseSnippet: 'ok',
      });
      expect(await send()).toMatchObject({
        outcome: 'failed',
        status: 400,
        responseSnippet: 'invalid_blocks',
      });
      expect(JSON.parse(receiver.received[0]!.body)).toEqual(message);
      expect(receiver.received[0]!.headers['content-type']).toBe('application/json');
      expect(await sendSlackMessage({ url: receiver.url, message, policy: {} })).toMatchObject({
        outcome: 'failed',
      });
    } finally {
      await receiver.close();
    }
  });
});
