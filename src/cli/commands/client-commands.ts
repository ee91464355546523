/**
 * Client commands: talk to a Clearance server (`--server` / CLEARANCE_SERVER) with a token
 * (`--token` / CLEARANCE_TOKEN). Every command has `--format json` for machines.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { type Command, Option } from 'commander';
import { loadConfig } from '../../config.js';
import type {
  Approval,
  DecisionRecord,
  Model,
  ServingView,
  TransitionRequest,
  VersionView,
} from '../../domain/index.js';
import { toJson } from '../check-report.js';
import { exitCodes } from '../exit-codes.js';
import { type ClearanceClient, createClient } from '../http-client.js';
import { loadPolicyFile } from '../load-policy-file.js';

interface Io {
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

function withClient(io: Io, setExit: (code: number) => void, action: Action) {
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

function clientCommand(parent: Command, name: string, description: string): Command {
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

const describeRequest = (r: TransitionRequest): string =>
  `Request ${r.id}: ${r.model} ${r.version} ${r.from} → ${r.to} (${r.changeType}), ${r.status}`;

const describeDecision = (d: DecisionRecord): string => {
  const blocking = d.gates.filter((g) => g.outcome !== 'pass' && !g.bypassed).map((g) => g.gateId);
  const why = blocking.length > 0 ? `; blocked by ${blocking.join(', ')}` : '';
  return `Decision ${d.id}: gates ${d.outcome}${why}${d.reasons.length > 0 ? ` — ${d.reasons.join(' ')}` : ''}`;
};

/** Every regular file below `root`, with its path relative to it, forward slashes. */
async function filesBelow(root: string): Promise<{ path: string; file: string }[]> {
  const info = await stat(root);
  if (!info.isDirectory()) return [{ path: root.split(sep).pop() ?? root, file: root }];
  const out: { path: string; file: string }[] = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    out.push({ path: relative(root, file).split(sep).join('/'), file });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

function registerModelCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  const model = program.command('model').description('models in the registry');
  clientCommand(model, 'register', 'register a model under a policy')
    .argument('<name>')
    .requiredOption('--owner-team <team>', 'team that owns the model')
    .requiredOption('--policy <file>', 'policy YAML (validated locally first)')
    .option('--description <text>')
    .action(
      withClient(
        io,
        setExit,
        async (
          client,
          name: string,
          o: { ownerTeam: string; policy: string; description?: string },
        ) => {
          const loaded = await loadPolicyFile(o.policy);
          const created = await client.call<Model>('POST', '/api/v1/models', {
            json: {
              name,
              ownerTeam: o.ownerTeam,
              policy: loaded.text,
              ...(o.description ? { description: o.description } : {}),
            },
            idempotent: true,
          });
          return {
            json: created,
            text: `Registered model ${created.name} under policy ${created.policyDigest}.`,
          };
        },
      ),
    );
  clientCommand(model, 'list', 'list models').action(
    withClient(io, setExit, async (client) => {
      const models = await client.call<Model[]>('GET', '/api/v1/models');
      return {
        json: models,
        text: models.map((m) => `${m.name}\t${m.riskTier}\t${m.ownerTeam}`).join('\n'),
      };
    }),
  );
  clientCommand(model, 'serving', 'which version serves production (and canary)')
    .argument('<name>')
    .action(
      withClient(io, setExit, async (client, name: string) => {
        const view = await client.call<ServingView>(
          'GET',
          `/api/v1/models/${encodeURIComponent(name)}/serving`,
        );
        const prod = view.production
          ? `${view.production.version} since ${view.production.since}`
          : 'none';
        return {
          json: view,
          text: `${name}: production ${prod}; rollback target ${view.rollbackTarget?.version ?? 'none'}`,
        };
      }),
    );
}

function registerVersionCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  const version = program.command('version').description('model versions');
  clientCommand(version, 'register', 'register an immutable version')
    .argument('<model>')
    .argument('<version>')
    .requiredOption('--artifact-uri <uri>')
    .requiredOption('--artifact-digest <digest>', 'sha256:<hex> of the artifact')
    .option(
      '--lineage <file>',
      'lineage JSON (code commit, data snapshot, config digest, seed, run, trainedBy)',
    )
    .action(
      withClient(
        io,
        setExit,
        async (
          client,
          model: string,
          name: string,
          o: { artifactUri: string; artifactDigest: string; lineage?: string },
        ) => {
          const lineage: unknown = o.lineage ? JSON.parse(await readFile(o.lineage, 'utf8')) : {};
          const created = await client.call<VersionView>(
            'POST',
            `/api/v1/models/${encodeURIComponent(model)}/versions`,
            {
              json: {
                version: name,
                artifactUri: o.artifactUri,
                artifactDigest: o.artifactDigest,
                lineage,
              },
              idempotent: true,
            },
          );
          return {
            json: created,
            text: `Registered ${model} ${created.version} (${created.state}).`,
          };
        },
      ),
    );
  clientCommand(
    version,
    'import-production',
    "record the version that served before Clearance as the model's first production version (admin)",
  )
    .argument('<model>')
    .argument('<version>')
    .requiredOption('--reason <text>', 'where and since when it served')
    .option('--ticket <id>')
    .action(
      withClient(
        io,
        setExit,
        async (client, model: string, name: string, o: { reason: string; ticket?: string }) => {
          const url = `/api/v1/models/${encodeURIComponent(model)}/versions/${encodeURIComponent(name)}/import-production`;
          const result = await client.call<{ since: string }>('POST', url, {
            json: { reason: o.reason, ...(o.ticket ? { ticket: o.ticket } : {}) },
            idempotent: true,
          });
          return {
            json: result,
            text: `Recorded ${model} ${name} as production since ${result.since}.`,
          };
        },
      ),
    );
  const evidence = program.command('evidence').description('evidence attached to versions');
  clientCommand(evidence, 'attach', 'upload evidence files (a directory uploads every file in it)')
    .argument('<model>')
    .argument('<version>')
    .argument('<paths...>')
    .action(
      withClient(io, setExit, async (client, model: string, name: string, paths: string[]) => {
        const attached: unknown[] = [];
        for (const root of paths) {
          for (const { path, file } of await filesBelow(root)) {
            const bytes = new Uint8Array(await readFile(file));
            const url = `/api/v1/models/${encodeURIComponent(model)}/versions/${encodeURIComponent(name)}/evidence`;
            attached.push(
              await client.call('POST', url, { bytes, query: { path }, idempotent: true }),
            );
          }
        }
        return {
          json: attached,
          text: `Attached ${attached.length} evidence file(s) to ${model} ${name}.`,
        };
      }),
    );
}

function registerRequestCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  const requestAction = (changeType: 'standard' | 'emergency' | undefined) =>
    withClient(
      io,
      setExit,
      async (
        client,
        model: string,
        version: string,
        o: { to: string; reason: string; ticket?: string; changeType?: string },
      ) => {
        const outcome = await client.call<{ request: TransitionRequest; decision: DecisionRecord }>(
          'POST',
          '/api/v1/requests',
          {
            json: {
              model,
              version,
              to: o.to,
              reason: o.reason,
              changeType: changeType ?? o.changeType ?? 'standard',
              ...(o.ticket ? { ticket: o.ticket } : {}),
            },
            idempotent: true,
          },
        );
        return {
          json: outcome,
          text: `${describeRequest(outcome.request)}\n${describeDecision(outcome.decision)}`,
        };
      },
    );
  clientCommand(program, 'request', 'request a transition of a version')
    .argument('<model>')
    .argument('<version>')
    .requiredOption('--to <state>', 'target state, e.g. production')
    .requiredOption('--reason <text>')
    .option('--ticket <id>')
    .addOption(
      new Option('--change-type <type>')
        .choices(['standard', 'emergency', 'experiment'])
        .default('standard'),
    )
    .action(requestAction(undefined));
  clientCommand(
    program,
    'emergency',
    'request an emergency change (break-glass; bypasses listed gates for a bounded time)',
  )
    .argument('<model>')
    .argument('<version>')
    .option('--to <state>', 'target state', 'production')
    .requiredOption('--reason <text>')
    .requiredOption('--ticket <id>')
    .action(requestAction('emergency'));

  for (const decision of ['approve', 'reject'] as const) {
    clientCommand(program, decision, `${decision} a transition request in one of your roles`)
      .argument('<request>')
      .requiredOption('--role <role>')
      .requiredOption('--comment <text>')
      .addOption(
        new Option('--risk <class>', 'your risk classification of the change')
          .choices(['low', 'medium', 'high'])
          .makeOptionMandatory(),
      )
      .option('--ticket <id>')
      .action(
        withClient(
          io,
          setExit,
          async (
            client,
            id: string,
            o: { role: string; comment: string; risk: string; ticket?: string },
          ) => {
            const outcome = await client.call<{ approval: Approval; request: TransitionRequest }>(
              'POST',
              `/api/v1/requests/${encodeURIComponent(id)}/approvals`,
              {
                json: {
                  decision,
                  role: o.role,
                  comment: o.comment,
                  riskClass: o.risk,
                  ...(o.ticket ? { ticket: o.ticket } : {}),
                },
                idempotent: true,
              },
            );
            return {
              json: outcome,
              text: `Recorded ${decision} by ${outcome.approval.approver} as ${o.role}.\n${describeRequest(outcome.request)}`,
            };
          },
        ),
      );
  }
  clientCommand(program, 'promote', 'execute an approved request (gates are evaluated again first)')
    .argument('<request>')
    .action(
      withClient(io, setExit, async (client, id: string) => {
        const outcome = await client.call<{
          request: TransitionRequest;
          decision: DecisionRecord;
          demoted?: string;
        }>('POST', `/api/v1/requests/${encodeURIComponent(id)}/execute`, { idempotent: true });
        const demoted = outcome.demoted
          ? `\nPrevious production ${outcome.demoted} is the rollback target.`
          : '';
        return {
          json: outcome,
          text: `${describeRequest(outcome.request)}\n${describeDecision(outcome.decision)}${demoted}`,
        };
      }),
    );
  clientCommand(program, 'cancel', 'cancel a pending request')
    .argument('<request>')
    .requiredOption('--reason <text>')
    .action(
      withClient(io, setExit, async (client, id: string, o: { reason: string }) => {
        const request = await client.call<TransitionRequest>(
          'POST',
          `/api/v1/requests/${encodeURIComponent(id)}/cancel`,
          { json: { reason: o.reason } },
        );
        return { json: request, text: describeRequest(request) };
      }),
    );
  clientCommand(program, 'rollback', 'restore the rollback target to production')
    .argument('<model>')
    .requiredOption('--reason <text>')
    .option('--ticket <id>')
    .action(
      withClient(
        io,
        setExit,
        async (client, model: string, o: { reason: string; ticket?: string }) => {
          const result = await client.call<{ from?: string; to?: string }>(
            'POST',
            `/api/v1/models/${encodeURIComponent(model)}/rollback`,
            {
              json: { reason: o.reason, ...(o.ticket ? { ticket: o.ticket } : {}) },
              idempotent: true,
            },
          );
          return {
            json: result,
            text: `Rolled ${model} back from ${result.from ?? '—'} to ${result.to ?? '—'}.`,
          };
        },
      ),
    );
  clientCommand(program, 'inbox', 'pending requests you could approve').action(
    withClient(io, setExit, async (client) => {
      const items = await client.call<{ request: TransitionRequest; roles: string[] }[]>(
        'GET',
        '/api/v1/inbox',
      );
      const text = items
        .map((i) => `${describeRequest(i.request)} — you may sign as ${i.roles.join(', ')}`)
        .join('\n');
      return { json: items, text: text || 'Nothing waits for you.' };
    }),
  );
  clientCommand(
    program,
    'replay',
    'recompute a stored decision from stored evidence and policy alone',
  )
    .argument('<decision>')
    .action(
      withClient(io, setExit, async (client, id: string) => {
        const report = await client.call<{ reproduced: boolean; differences: string[] }>(
          'POST',
          `/api/v1/decisions/${encodeURIComponent(id)}/replay`,
        );
        const text = report.reproduced
          ? `Decision ${id} reproduced: same outcome and gate results from stored evidence and policy.`
          : `Decision ${id} did NOT reproduce:\n${report.differences.map((d) => `  - ${d}`).join('\n')}`;
        if (!report.reproduced) setExit(exitCodes.denied);
        return { json: report, text };
      }),
    );
}

/** Registers every client command on the program. */
export function registerClientCommands(
  program: Command,
  io: Io,
  setExit: (code: number) => void,
): void {
  registerModelCommands(program, io, setExit);
  registerVersionCommands(program, io, setExit);
  registerRequestCommands(program, io, setExit);
}
