/**
 * What the client commands share: their options and a lazy action that runs one entry of
 * client-actions.ts through the server's API, as the token's user (never the database: registry/).
 */
import { type Command, Option } from 'commander';
import { type CommandContext, formatChoices, lazy } from '../lazy.js';
import { personalRegistryOptions } from '../registry/select-registry.js';
import type { ClientRunName } from './client-actions.js';

export function clientCommand(parent: Command, name: string, description: string): Command {
  return personalRegistryOptions(parent.command(name).description(description)).addOption(
    new Option('--format <format>', 'output format').choices(formatChoices).default('text'),
  );
}

/** Commander passes the arguments, the options and the command: all reach the run. */
export function clientAction(context: Omit<CommandContext, 'program'>, name: ClientRunName) {
  return lazy(context, async () => {
    const { runClient } = await import('./client-actions.js');
    return (io, ...args: unknown[]) => runClient(io, name, args);
  });
}
