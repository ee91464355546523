/**
 * A model's policy as people read it: the YAML as registered, its digest, and per transition who
 * requests it, which gates run and which roles must approve (the web UI's policy view).
 */
import type { ChangeTypes, Principal, TransitionPolicy } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { loadModel, loadPolicy } from '../shared/load-policy.js';
import { guardedRead } from '../shared/read-access.js';

export interface ModelPolicyView {
  model: string;
  digest: string;
  name: string;
  riskTier: string;
  /** The YAML as registered (the digest is over its normalised form). */
  text: string;
  states: string[];
  transitions: TransitionPolicy[];
  changeTypes: ChangeTypes;
}

/** For anyone holding a role on the model, like its requests: the policy says who signs what. */
export async function getModelPolicy(
  deps: AppDeps,
  principal: Principal,
  input: { model: string },
): Promise<ModelPolicyView> {
  return guardedRead(
    deps,
    {
      principal,
      action: 'policy.read',
      subject: { type: 'model', id: input.model },
      model: input.model,
      what: `the policy of model ${input.model}`,
    },
    () =>
      deps.store.read(async (tx) => {
        const model = await loadModel(tx, input.model);
        const policy = await loadPolicy(tx, model.policyDigest);
        const record = await tx.policies.get(model.policyDigest);
        return {
          model: model.name,
          digest: model.policyDigest,
          name: policy.metadata.name,
          riskTier: policy.metadata.riskTier,
          text: record?.text ?? '',
          states: [...policy.states],
          transitions: structuredClone(policy.transitions) as TransitionPolicy[],
          changeTypes: structuredClone(policy.changeTypes) as ChangeTypes,
        };
      }),
  );
}
