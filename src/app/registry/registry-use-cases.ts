/**
 * The registry's use cases as the edges call them: policies, models, versions, evidence, serving,
 * and a model's history read from the audit log.
 */
import type {
  EvidenceRecord,
  Model,
  PolicyRecord,
  Principal,
  ServingView,
  VersionView,
} from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { assertMayAttachEvidence, attachEvidence } from './attach-evidence.js';
import { type EvidenceContent, readEvidenceContent } from './evidence-content.js';
import { importProduction } from './import-production.js';
import { type ModelHistory, modelHistory } from './model-history.js';
import { getModelPolicy, type ModelPolicyView } from './model-policy.js';
import {
  getModel,
  getServing,
  getVersion,
  listEvidence,
  listModels,
  listVersions,
  type VersionPage,
  versionPage,
} from './queries.js';
import { type RegisterModelInput, registerModelWithPolicy } from './register-model.js';
import { registerPolicy } from './register-policy.js';
import { type RegisterVersionInput, registerVersion } from './register-version.js';
import { type RegistryMetrics, registryMetrics } from './registry-metrics.js';

export interface RegistryUseCases {
  registerPolicy(
    principal: Principal,
    input: { text: string; file?: string },
  ): Promise<PolicyRecord>;
  /** Registers the policy text (idempotently) and a model governed by it, in one transaction. */
  registerModel(principal: Principal, input: RegisterModelInput): Promise<Model>;
  listModels(principal: Principal): Promise<Model[]>;
  getModel(principal: Principal, name: string): Promise<Model>;
  /** The model's policy: YAML, digest, and per transition who requests, gates and approvals. */
  modelPolicy(principal: Principal, input: { model: string }): Promise<ModelPolicyView>;
  registerVersion(principal: Principal, input: RegisterVersionInput): Promise<VersionView>;
  listVersions(principal: Principal, model: string): Promise<VersionView[]>;
  getVersion(principal: Principal, input: { model: string; version: string }): Promise<VersionView>;
  listEvidence(
    principal: Principal,
    input: { model: string; version: string },
  ): Promise<EvidenceRecord[]>;
  /**
   * One evidence file's bytes, checked against its recorded digest and size (any role); a changed
   * blob is refused, never served.
   */
  evidenceContent(
    principal: Principal,
    input: { model: string; version: string; path: string },
  ): Promise<EvidenceContent>;
  /** A page of a model's versions in registration order; `next` asks for the following page. */
  versionPage(
    principal: Principal,
    input: { model: string; limit?: number | undefined; after?: string | undefined },
  ): Promise<VersionPage>;
  /** Refuses unless the principal may attach evidence to the version; called before the body is read. */
  mayAttachEvidence(
    principal: Principal,
    input: { model: string; version: string; paths?: string[]; bytes?: number },
  ): Promise<void>;
  attachEvidence(
    principal: Principal,
    input: { model: string; version: string; path: string; bytes: Uint8Array; mediaType?: string },
  ): Promise<EvidenceRecord[]>;
  importProduction(
    principal: Principal,
    input: { model: string; version: string; reason: string; ticket?: string },
  ): Promise<{ model: string; version: string; since: string }>;
  serving(principal: Principal, model: string): Promise<ServingView>;
  /** The registry snapshot Prometheus scrapes; for anyone holding a role. */
  registryMetrics(principal: Principal): Promise<RegistryMetrics>;
  /** Which version was in production when, and why: answered from the audit log alone. */
  modelHistory(principal: Principal, input: { model: string; at?: string }): Promise<ModelHistory>;
}

export function bindRegistryUseCases(deps: AppDeps): RegistryUseCases {
  return {
    registerPolicy: (principal, input) => registerPolicy(deps, principal, input),
    registerModel: (principal, input) => registerModelWithPolicy(deps, principal, input),
    listModels: (principal) => listModels(deps, principal),
    getModel: (principal, name) => getModel(deps, principal, { name }),
    modelPolicy: (principal, input) => getModelPolicy(deps, principal, input),
    registerVersion: (principal, input) => registerVersion(deps, principal, input),
    listVersions: (principal, model) => listVersions(deps, principal, { model }),
    getVersion: (principal, input) => getVersion(deps, principal, input),
    listEvidence: (principal, input) => listEvidence(deps, principal, input),
    evidenceContent: (principal, input) => readEvidenceContent(deps, principal, input),
    versionPage: (principal, input) => versionPage(deps, principal, input),
    mayAttachEvidence: (principal, input) => assertMayAttachEvidence(deps, principal, input),
    attachEvidence: (principal, { path, bytes, mediaType, ...version }) =>
      attachEvidence(deps, principal, {
        ...version,
        files: [{ path, bytes, ...(mediaType ? { mediaType } : {}) }],
      }),
    importProduction: (principal, input) => importProduction(deps, principal, input),
    serving: (principal, model) => getServing(deps, principal, { model }),
    registryMetrics: (principal) => registryMetrics(deps, principal),
    modelHistory: (principal, input) => modelHistory(deps, principal, input),
  };
}
