/**
 * The code behind read-commands.ts: what people sign, read through the CliRegistry (the server's
 * API by default, the database as the operator with --database). Text is for people (rounded,
 * directions in words); `--format json` is the registry's records, exact.
 */
import type { RequestStatus } from '../../domain/index.js';
import { toJson } from '../check-report.js';
import { exitCodes } from '../exit-codes.js';
import type { Io } from '../lazy.js';
import type { CliRegistry } from '../registry/cli-registry.js';
import { type RegistryFlags, withCliRegistry } from '../registry/select-registry.js';
import {
  describeRequestLine,
  evidenceLines,
  renderDecision,
  renderRequest,
  renderVersion,
} from '../render/render-registry-text.js';

interface Answer {
  json: unknown;
  text: string;
}

const lines = (items: string[], none: string) => (items.length > 0 ? items.join('\n') : none);

const runs = {
  async listVersions(registry: CliRegistry, model: string): Promise<Answer> {
    const versions = await registry.listVersions(model);
    const text = lines(
      versions.map((v) => `${v.version}\t${v.state}\tsince ${v.stateSince}\t${v.artifactDigest}`),
      `${model} has no versions.`,
    );
    return { json: versions, text };
  },
  async showVersion(registry: CliRegistry, model: string, version: string): Promise<Answer> {
    const record = await registry.version({ model, version });
    const evidence = await registry.listEvidence({ model, version });
    const requests = await registry.listRequests({ model, version });
    return {
      json: { version: record, evidence, requests },
      text: renderVersion(record, evidence, requests).trimEnd(),
    };
  },
  async listEvidence(registry: CliRegistry, model: string, version: string): Promise<Answer> {
    const evidence = await registry.listEvidence({ model, version });
    return { json: evidence, text: evidenceLines(evidence).join('\n') };
  },
  async listRequests(
    registry: CliRegistry,
    model: string,
    o: { version?: string; status?: RequestStatus[] },
  ): Promise<Answer> {
    const requests = await registry.listRequests({
      model,
      ...(o.version === undefined ? {} : { version: o.version }),
      ...(o.status === undefined ? {} : { status: o.status }),
    });
    return {
      json: requests,
      text: lines(requests.map(describeRequestLine), `No requests for ${model}.`),
    };
  },
  async showRequest(registry: CliRegistry, id: string): Promise<Answer> {
    const view = await registry.request(id);
    const { decisionId } = view.request;
    const decision = decisionId === undefined ? undefined : await registry.decision(decisionId);
    return {
      json: { ...view, decision: decision ?? null },
      text: renderRequest(view, decision).trimEnd(),
    };
  },
  async showDecision(registry: CliRegistry, id: string): Promise<Answer> {
    const decision = await registry.decision(id);
    return { json: decision, text: renderDecision(decision).trimEnd() };
  },
};

export type ReadRunName = keyof typeof runs;

/** Runs one read: commander's arguments are the positionals, the options and the command. */
export async function runRead(io: Io, name: ReadRunName, args: unknown[]): Promise<number> {
  const given = args.slice(0, -1);
  const flags = given.at(-1) as RegistryFlags & { format: string };
  const run = runs[name] as (registry: CliRegistry, ...a: unknown[]) => Promise<Answer>;
  const answer = await withCliRegistry(flags, 'server', (registry) => run(registry, ...given));
  io.stdout.write(flags.format === 'json' ? `${toJson(answer.json)}\n` : `${answer.text}\n`);
  return exitCodes.ok;
}
