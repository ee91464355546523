/**
 * Client commands: talk to a Clearance server (`--server` / CLEARANCE_SERVER) with a token
 * (`--token` / CLEARANCE_TOKEN). Every command has `--format json` for machines.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Model, ServingView, VersionView } from '../../domain/index.js';
import { evidenceFilesBelow } from '../evidence-files-below.js';
import { loadPolicyFile } from '../load-policy-file.js';
import { registerRequestCommands } from './client-request-commands.js';
import { clientCommand, type Io, withClient } from './client-support.js';

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
          for (const { path, file } of await evidenceFilesBelow(root)) {
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
