import { ClearanceError, type Principal } from '../domain/index.js';
import type { AppDeps } from './app-deps.js';
import { auditRecord } from './audit-record.js';
import { assertAnyRole, guarded } from './authorise.js';
import { loadModel } from './load-policy.js';
import { invalidInput } from './register-model.js';

/**
 * Records that a version already served production before Clearance governed the model, so the
 * first governed promotion has a baseline to be compared with. Admin only, only while the model
 * has no production version, with a reason and ticket, audited as `version.imported`.
 */
export async function importProduction(
  deps: AppDeps,
  principal: Principal,
  input: { model: string; version: string; reason: string; ticket?: string },
): Promise<{ model: string; version: string; since: string }> {
  if (input.reason.trim() === '') {
    throw invalidInput(
      'The reason is empty.',
      'Say where the version served before, and since when.',
    );
  }
  const subject = { type: 'version', id: `${input.model}@${input.version}` };
  return guarded(deps, { actor: principal, action: 'version.import', subject }, () =>
    deps.store.transaction(async (tx) => {
      const model = await loadModel(tx, input.model, { forUpdate: true });
      assertAnyRole({
        principal,
        model: model.name,
        roles: ['admin'],
        action: 'import a production version',
      });
      const version = await tx.versions.get(model.name, input.version);
      if (!version) {
        throw new ClearanceError(
          'not_found',
          `Model ${model.name} has no version ${input.version}.`,
          {
            problems: [
              { message: 'Only a registered version can be imported.', fix: 'Register it first.' },
            ],
          },
        );
      }
      const current = await tx.versions.inState(model.name, 'production');
      if (current.length > 0) {
        const message = `Model ${model.name} already has production version ${current[0]?.version}.`;
        throw new ClearanceError('conflict', message, {
          problems: [
            {
              message,
              fix: 'Import is only for a model’s first production version; promote through a request instead.',
            },
          ],
        });
      }
      const since = deps.clock.now().toISOString();
      await tx.versions.setState({
        model: model.name,
        version: input.version,
        state: 'production',
        since,
      });
      await tx.serving.set({ model: model.name, production: { version: input.version, since } });
      await tx.audit.append(
        auditRecord({
          actor: principal,
          time: since,
          action: 'version.imported',
          subject,
          reason: input.reason,
          ticket: input.ticket,
          digests: { artifact: version.artifactDigest, policy: model.policyDigest },
          data: {
            model: model.name,
            version: input.version,
            from: version.state,
            to: 'production',
          },
        }),
      );
      return { model: model.name, version: input.version, since };
    }),
  );
}
