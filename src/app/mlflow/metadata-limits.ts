/**
 * How much MLflow metadata one model may hold: tags per registered model and per model version,
 * plain aliases per model (ADR 037). Keys and values are bounded one by one (mlflow-metadata.ts);
 * these bound how many, so a caller allowed to tag cannot grow the database without limit. Each
 * check runs inside the write's transaction, under the model row's lock: two writes racing for
 * the last slot are serialised there, and the second sees the first. A write that replaces what
 * is there (an existing key's value, an alias moved) never needs a slot.
 */
import { ClearanceError } from '../../domain/index.js';
import type { AppDeps, MlflowMetadataLimits } from '../shared/app-deps.js';
import type { Repositories } from '../shared/ports.js';

const defaultMlflowLimits: MlflowMetadataLimits = {
  tagsPerModel: 100,
  tagsPerVersion: 100,
  aliasesPerModel: 100,
};

const limitsOf = (deps: AppDeps): MlflowMetadataLimits => deps.mlflowLimits ?? defaultMlflowLimits;

/** The config key that raises each limit, as a refusal names it. */
const configKey = {
  tagsPerModel: 'maxTagsPerRegisteredModel',
  tagsPerVersion: 'maxTagsPerModelVersion',
  aliasesPerModel: 'maxAliasesPerRegisteredModel',
} as const satisfies Record<keyof MlflowMetadataLimits, string>;

type Limit = keyof MlflowMetadataLimits;

/**
 * `invalid_input` (MLflow: INVALID_PARAMETER_VALUE, 400, which MLflow's clients do not retry):
 * the holder and what it was asked to take, the limit and its config key, and the fix.
 */
function limitReached(input: { holder: string; asked: string; limit: Limit; max: number }) {
  const noun = input.limit === 'aliasesPerModel' ? 'aliases' : 'tags';
  const key = configKey[input.limit];
  const message = `${input.holder} ${input.asked}; it may hold at most ${input.max} ${noun} (${key}).`;
  const fix =
    input.limit === 'aliasesPerModel'
      ? `Move an existing alias or delete one it no longer needs, or ask an operator to raise ${key}.`
      : `Delete a tag it no longer needs or set the value of an existing key, or ask an operator to raise ${key}.`;
  return new ClearanceError('invalid_input', message, { problems: [{ message, fix }] });
}

const modelHolder = (model: string) => `Registered model ${model}`;
const versionHolder = (model: string, version: string) =>
  `Model version (name=${model}, version=${version})`;

/** Tags given with a new registered model or model version, checked before anything is written. */
export function assertTagCount(input: {
  deps: AppDeps;
  model: string;
  /** The version's number (tentative for a new version), absent for the registered model. */
  version?: string;
  count: number;
}): void {
  const { deps, model, version, count } = input;
  const limit: Limit = version === undefined ? 'tagsPerModel' : 'tagsPerVersion';
  const max = limitsOf(deps)[limit];
  if (count <= max) return;
  const holder = version === undefined ? modelHolder(model) : versionHolder(model, version);
  throw limitReached({ holder, asked: `is given ${count} tags`, limit, max });
}

/** Inside the write's transaction: room for model tag `key`, unless the model already has it. */
export async function assertModelTagRoom(
  deps: AppDeps,
  tx: Repositories,
  input: { model: string; key: string },
): Promise<void> {
  const tags = await tx.metadata.modelTags(input.model);
  const max = limitsOf(deps).tagsPerModel;
  const count = Object.keys(tags).length;
  if (Object.hasOwn(tags, input.key) || count < max) return;
  const asked = `has ${count} tags, and tag '${input.key}' would be one more`;
  throw limitReached({ holder: modelHolder(input.model), asked, limit: 'tagsPerModel', max });
}

/** A version's current tags: those given at registration with the later changes applied. */
export async function currentVersionTagKeys(
  tx: Repositories,
  input: { model: string; version: string; registered: Readonly<Record<string, string>> },
): Promise<Set<string>> {
  const keys = new Set(Object.keys(input.registered));
  for (const change of await tx.metadata.versionTags(input.model, input.version)) {
    if (change.value === null) keys.delete(change.key);
    else keys.add(change.key);
  }
  return keys;
}

/** Inside the write's transaction: room for tag `key` on a version whose current keys are given. */
export function assertVersionTagRoom(
  deps: AppDeps,
  input: { model: string; version: string; key: string; current: ReadonlySet<string> },
): void {
  const max = limitsOf(deps).tagsPerVersion;
  const count = input.current.size;
  if (input.current.has(input.key) || count < max) return;
  throw limitReached({
    holder: versionHolder(input.model, input.version),
    asked: `has ${count} tags, and tag '${input.key}' would be one more`,
    limit: 'tagsPerVersion',
    max,
  });
}

/** Inside the write's transaction: room for plain alias `alias`, unless the model has it already. */
export async function assertAliasRoom(
  deps: AppDeps,
  tx: Repositories,
  input: { model: string; alias: string },
): Promise<void> {
  const aliases = await tx.metadata.aliases(input.model);
  const max = limitsOf(deps).aliasesPerModel;
  if (aliases.some((a) => a.alias === input.alias) || aliases.length < max) return;
  throw limitReached({
    holder: modelHolder(input.model),
    asked: `has ${aliases.length} aliases, and alias '${input.alias}' would be one more`,
    limit: 'aliasesPerModel',
    max,
  });
}

/**
 * An MLflow import (`clearance import mlflow`) holds to the same limits: a model whose MLflow
 * metadata exceeds any of them is refused whole, before anything of it is written, the refusal
 * listing every excess (ADR 044). A partial copy (some tags, not others) would not be MLflow's.
 */
export function assertImportFits(
  deps: AppDeps,
  input: {
    model: string;
    counts: {
      modelTags: number;
      versionTags: readonly { version: string; count: number }[];
      aliases: number;
    };
  },
): void {
  const limits = limitsOf(deps);
  const { model, counts } = input;
  const over: string[] = [];
  const keys = new Set<string>();
  const excess = (what: string, count: number, limit: Limit) => {
    if (count <= limits[limit]) return;
    over.push(`${what} ${count} (${configKey[limit]} is ${limits[limit]})`);
    keys.add(configKey[limit]);
  };
  excess('tags', counts.modelTags, 'tagsPerModel');
  for (const v of counts.versionTags)
    excess(`version ${v.version}'s tags`, v.count, 'tagsPerVersion');
  excess('plain aliases', counts.aliases, 'aliasesPerModel');
  if (over.length === 0) return;
  const shown = over.length > 6 ? [...over.slice(0, 5), `${over.length - 5} more`] : over;
  const message = `Registered model ${model} holds more MLflow metadata than Clearance allows: ${shown.join('; ')}. Nothing of it was imported.`;
  const fix = `Remove tags or aliases it no longer needs in MLflow, or raise ${[...keys].join(', ')} for Clearance, and run the import again.`;
  throw new ClearanceError('invalid_input', message, { problems: [{ message, fix }] });
}
