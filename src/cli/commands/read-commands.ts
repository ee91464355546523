/**
 * What people sign, read: `version list|show`, `evidence list`, `request list|show`, `decision
 * show`. Through a server's API by default (as the token's user), or on the database as the
 * operator with `--database` / `--data-dir`; reads record nothing, so both are offered.
 */
import { type Command, Option } from 'commander';
import { type CommandContext, formatChoices, lazy } from '../lazy.js';
import { registryOptions } from '../registry/select-registry.js';
import type { ReadRunName } from './read-actions.js';

const statuses = ['pending', 'approved', 'executed', 'rejected', 'cancelled', 'expired'];

function group(program: Command, name: string, description: string): Command {
  return (
    program.commands.find((c) => c.name() === name) ??
    program.command(name).description(description)
  );
}

export function declareReadCommands(context: CommandContext): void {
  const { program } = context;
  const read = (parent: Command, name: string, description: string, run: ReadRunName) =>
    registryOptions(parent.command(name).description(description), 'server')
      .addOption(
        new Option('--format <format>', 'output format').choices(formatChoices).default('text'),
      )
      .action(
        lazy(context, async () => {
          const { runRead } = await import('./read-actions.js');
          return (io, ...args: unknown[]) => runRead(io, run, args);
        }),
      );
  const version = group(program, 'version', 'model versions');
  read(version, 'list', "a model's versions with their states", 'listVersions').argument('<model>');
  read(version, 'show', 'a version: artifact, lineage, evidence digests, requests', 'showVersion')
    .argument('<model>')
    .argument('<version>');
  const evidence = group(program, 'evidence', 'evidence attached to versions');
  read(evidence, 'list', "a version's evidence files with their digests", 'listEvidence')
    .argument('<model>')
    .argument('<version>');
  const request = group(program, 'request', 'transition requests');
  read(request, 'list', "a model's transition requests, oldest first", 'listRequests')
    .argument('<model>')
    .option('--version <version>', 'only requests for this version')
    .addOption(
      new Option('--status <status...>', 'only requests in these statuses').choices(statuses),
    );
  read(
    request,
    'show',
    'a request: the gate table, sign-offs so far and still required, evidence digests',
    'showRequest',
  ).argument('<request>');
  const decision = group(program, 'decision', 'gate decisions');
  read(
    decision,
    'show',
    'a decision: each gate, the evidence and policy it was made on',
    'showDecision',
  ).argument('<decision>');
}
