/**
 * The MLflow-compatible Model Registry as the MLflow routes call it: each method translates to
 * and from MLflow's records and calls the registry's and transitions' own use cases, so
 * authorisation and audit are theirs.
 */
import type { Principal } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import {
  deleteAlias,
  deleteModelTag,
  deleteVersionTag,
  setModelTag,
  setVersionTag,
  updateModelDescription,
  updateVersionDescription,
} from './mlflow-metadata.js';
import {
  getDownloadUri,
  getLatestVersions,
  getModelVersion,
  getRegisteredModel,
  getVersionByAlias,
  type SearchInput,
  searchModelVersions,
  searchRegisteredModels,
} from './mlflow-queries.js';
import type { MlflowModelVersion, MlflowRegisteredModel, MlflowStage } from './mlflow-shapes.js';
import { setRegisteredModelAlias, transitionModelVersionStage } from './mlflow-transitions.js';
import {
  type CreateModelVersionInput,
  type CreateRegisteredModelInput,
  createModelVersion,
  createRegisteredModel,
} from './mlflow-writes.js';

type Name = { name: string };
type NameVersion = { name: string; version: string };
type Tag = { key: string; value: string };

export interface MlflowUseCases {
  mlflowCreateRegisteredModel(
    principal: Principal,
    input: CreateRegisteredModelInput,
  ): Promise<MlflowRegisteredModel>;
  mlflowGetRegisteredModel(principal: Principal, input: Name): Promise<MlflowRegisteredModel>;
  mlflowSearchRegisteredModels(
    principal: Principal,
    input: SearchInput,
  ): Promise<{ registered_models: MlflowRegisteredModel[]; next_page_token?: string }>;
  mlflowGetLatestVersions(
    principal: Principal,
    input: Name & { stages: readonly MlflowStage[] },
  ): Promise<MlflowModelVersion[]>;
  mlflowCreateModelVersion(
    principal: Principal,
    input: CreateModelVersionInput,
  ): Promise<MlflowModelVersion>;
  mlflowGetModelVersion(principal: Principal, input: NameVersion): Promise<MlflowModelVersion>;
  mlflowSearchModelVersions(
    principal: Principal,
    input: SearchInput,
  ): Promise<{ model_versions: MlflowModelVersion[]; next_page_token?: string }>;
  mlflowGetDownloadUri(principal: Principal, input: NameVersion): Promise<{ artifact_uri: string }>;
  /** Governed: opens (or finds) a transition request and executes it once the policy allows. */
  mlflowTransitionStage(
    principal: Principal,
    input: NameVersion & { stage: string },
  ): Promise<MlflowModelVersion>;
  /** A governed alias asks for the version's promotion to production; others are pointers. */
  mlflowSetAlias(principal: Principal, input: NameVersion & { alias: string }): Promise<void>;
  mlflowDeleteAlias(principal: Principal, input: Name & { alias: string }): Promise<void>;
  mlflowSetModelTag(principal: Principal, input: Name & Tag): Promise<void>;
  mlflowDeleteModelTag(principal: Principal, input: Name & { key: string }): Promise<void>;
  mlflowSetVersionTag(principal: Principal, input: NameVersion & Tag): Promise<void>;
  mlflowDeleteVersionTag(principal: Principal, input: NameVersion & { key: string }): Promise<void>;
  mlflowUpdateRegisteredModel(
    principal: Principal,
    input: Name & { description: string },
  ): Promise<MlflowRegisteredModel>;
  mlflowUpdateModelVersion(
    principal: Principal,
    input: NameVersion & { description: string },
  ): Promise<MlflowModelVersion>;
  mlflowGetVersionByAlias(
    principal: Principal,
    input: Name & { alias: string },
  ): Promise<MlflowModelVersion>;
}

export function bindMlflowUseCases(deps: AppDeps): MlflowUseCases {
  return {
    mlflowCreateRegisteredModel: (p, input) => createRegisteredModel(deps, p, input),
    mlflowGetRegisteredModel: (p, input) => getRegisteredModel(deps, p, input),
    mlflowSearchRegisteredModels: (p, input) => searchRegisteredModels(deps, p, input),
    mlflowGetLatestVersions: (p, input) => getLatestVersions(deps, p, input),
    mlflowCreateModelVersion: (p, input) => createModelVersion(deps, p, input),
    mlflowGetModelVersion: (p, input) => getModelVersion(deps, p, input),
    mlflowSearchModelVersions: (p, input) => searchModelVersions(deps, p, input),
    mlflowGetDownloadUri: (p, input) => getDownloadUri(deps, p, input),
    mlflowTransitionStage: (p, input) => transitionModelVersionStage(deps, p, input),
    mlflowSetAlias: (p, input) => setRegisteredModelAlias(deps, p, input),
    mlflowGetVersionByAlias: (p, input) => getVersionByAlias(deps, p, input),
    mlflowDeleteAlias: (p, input) => deleteAlias(deps, p, input),
    mlflowSetModelTag: (p, input) => setModelTag(deps, p, input),
    mlflowDeleteModelTag: (p, input) => deleteModelTag(deps, p, input),
    mlflowSetVersionTag: (p, input) => setVersionTag(deps, p, input),
    mlflowDeleteVersionTag: (p, input) => deleteVersionTag(deps, p, input),
    mlflowUpdateRegisteredModel: async (p, input) => {
      await updateModelDescription(deps, p, input);
      return getRegisteredModel(deps, p, input);
    },
    mlflowUpdateModelVersion: async (p, input) => {
      await updateVersionDescription(deps, p, input);
      return getModelVersion(deps, p, input);
    },
  };
}
