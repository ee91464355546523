/**
 * `clearance webhook …` (subscriptions, their delivery log, and `verify` for a received
 * delivery) and `clearance notify test` (a test event to a URL or an address). Subscriptions go
 * through a server's API as an admin's token, or the database as the operator.
 */
import { type Command, Option } from 'commander';
import { type CommandContext, formatChoices, lazy } from '../lazy.js';
import { registryOptions } from '../registry/select-registry.js';
import type { WebhookRunName } from './notify-actions.js';

const actions = () => import('./notify-actions.js');

function adminCommand(parent: Command, name: string, description: string): Command {
  return registryOptions(parent.command(name).description(description), 'server').addOption(
    new Option('--format <format>', 'output format').choices(formatChoices).default('text'),
  );
}

function run(context: CommandContext, name: WebhookRunName) {
  return lazy(context, async () => {
    const { runWebhook } = await actions();
    return (io, ...args: unknown[]) => runWebhook(io, name, args);
  });
}

const list = (value: string) =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');

function declareSubscriptionCommands(webhook: Command, context: CommandContext): void {
  adminCommand(webhook, 'create', 'subscribe a URL to events; prints the signing secret once')
    .requiredOption('--url <url>', 'where deliveries are POSTed (public https)')
    .option('--events <types>', 'comma-separated event types, or * (default *)', list)
    .option('--models <names>', 'comma-separated model names or patterns (credit-*)', list)
    .option('--description <text>')
    .action(run(context, 'create'));
  adminCommand(webhook, 'list', 'list subscriptions').action(run(context, 'list'));
  adminCommand(webhook, 'show', 'show a subscription')
    .argument('<id>')
    .action(run(context, 'show'));
  adminCommand(webhook, 'update', 'change a subscription')
    .argument('<id>')
    .option('--url <url>')
    .option('--events <types>', 'comma-separated event types, or *', list)
    .option('--models <names>', 'comma-separated model names or patterns', list)
    .option('--all-models', 'deliver for every model')
    .option('--description <text>')
    .option('--enable', 're-enable a disabled subscription (resets its failure count)')
    .action(run(context, 'update'));
  adminCommand(webhook, 'rotate-secret', 'a new secret, printed once; the old one signs a while')
    .argument('<id>')
    .action(run(context, 'rotateSecret'));
  adminCommand(webhook, 'disable', 'stop delivering to a subscription')
    .argument('<id>')
    .action(run(context, 'disable'));
  adminCommand(webhook, 'delete', 'delete a subscription')
    .argument('<id>')
    .action(run(context, 'delete'));
  adminCommand(webhook, 'deliveries', 'the delivery log, newest first, with every attempt')
    .argument('<id>')
    .option('--limit <n>', 'at most this many deliveries (1 to 200)', Number)
    .action(run(context, 'deliveries'));
  adminCommand(webhook, 'redeliver', 'send an event to the subscription again')
    .argument('<id>')
    .argument('<event>', 'the event id (evt_…)')
    .action(run(context, 'redeliver'));
}

export function declareNotifyCommands(context: CommandContext): void {
  const webhook = context.program
    .command('webhook')
    .description('webhook subscriptions, their deliveries, and verifying a received one');
  declareSubscriptionCommands(webhook, context);
  webhook
    .command('verify')
    .description('check a received delivery’s Standard Webhooks signature: exit 0 valid, 1 not')
    .requiredOption('--secret <whsec>', 'a valid secret (repeat during a rotation)', collect, [])
    .requiredOption('--body <file>', 'the body exactly as received')
    .option('--headers <file>', 'the headers as JSON, or as `name: value` lines')
    .option('--header <name:value>', 'one header (repeatable)', collect, [])
    .option('--tolerance <seconds>', 'accepted timestamp age either way', Number, 300)
    .option('--now <time>', 'judge the timestamp at this RFC 3339 time instead of now')
    .addOption(
      new Option('--format <format>', 'output format').choices(formatChoices).default('text'),
    )
    .action(
      lazy(context, async () => {
        const { verifyCommand } = await actions();
        return verifyCommand;
      }),
    );
  const notify = context.program.command('notify').description('notification delivery');
  notify
    .command('test')
    .description('send a test event to a webhook URL or an email address (with this config)')
    .requiredOption('--to <url|email>', 'an http(s) URL or an email address')
    .option('--secret <whsec>', 'webhook secret to sign with (default: a new one, printed)')
    .option('--config <file>', 'config file (notifyAllowAddresses, smtpUrl, emailFrom, …)')
    .addOption(
      new Option('--format <format>', 'output format').choices(formatChoices).default('text'),
    )
    .action(
      lazy(context, async () => {
        const { notifyTestCommand } = await actions();
        return notifyTestCommand;
      }),
    );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
