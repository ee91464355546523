/** What the client commands share: a client from the flags, the common options, one-line renderings. */
import { type Command, Option } from 'commander';
import { loadConfig } from '../../config.js';
import type { DecisionRecord, TransitionRequest } from '../../domain/index.js';
import { toJson } from '../check-report.js';
import { exitCodes } from '../exit-codes.js';
import { type ClearanceClient, createClient } from '../http-client.js';

export interface Io {
  stdout: NodeJS.WritableStream;
}

interface ClientFlags {
  server?: string;
  token?: string;
  format: string;
}

type Action = (
  client: ClearanceClient,
  ...args: never[]
) => Promise<{ json: unknown; text: string }>;

export function withClient(io: Io, setExit: (code: number) => void, action: Action) {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const flags = command.optsWithGlobals<ClientFlags>();
    const config = loadConfig({ flags: { server: flags.server, token: flags.token } });
    const client = createClient({ server: config.server, token: config.token });
    // Success unless the action says otherwise (e.g. a replay that does not reproduce).
    setExit(exitCodes.ok);
    const result = await (action as (c: ClearanceClient, ...a: unknown[]) => ReturnType<Action>)(
      client,
      ...args.slice(0, -1),
    );
    io.stdout.write(flags.format === 'json' ? `${toJson(result.json)}\n` : `${result.text}\n`);
  };
}

export function clientCommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .option(
      '--server <url>',
      'Clearance server (default CLEARANCE_SERVER or http://127.0.0.1:8080)',
    )
    .option('--token <token>', 'API token (default CLEARANCE_TOKEN)')
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'),
    );
}

export const describeRequest = (r: TransitionRequest): string =>
  `Request ${r.id}: ${r.model} ${r.version} ${r.from} → ${r.to} (${r.changeType}), ${r.status}`;

export const describeDecision = (d: DecisionRecord): string => {
  const blocking = d.gates.filter((g) => g.outcome !== 'pass' && !g.bypassed).map((g) => g.gateId);
  const why = blocking.length > 0 ? `; blocked by ${blocking.join(', ')}` : '';
  return `Decision ${d.id}: gates ${d.outcome}${why}${d.reasons.length > 0 ? ` — ${d.reasons.join(' ')}` : ''}`;
};
