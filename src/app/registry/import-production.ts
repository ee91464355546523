import { ClearanceError, invalidInput, type Principal } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { adminOnly, changeModel } from '../shared/model-change.js';
import type { Repositories } from '../shared/ports.js';

const importFix =
  'Import is only for a model’s first production version; promote through a request instead.';

/**
 * Refuses unless the model has never had a production version: none now, and none in the audit
 * log (a promotion or an import of this model). Once governed, production is entered only by a
 * reviewed promotion or a rollback, even after the model's production version was deprecated.
 */
export async function assertNeverInProduction(tx: Repositories, model: string): Promise<void> {
  const current = (await tx.versions.inState(model, 'production'))[0];
  if (current) {
    const message = `Model ${model} already has production version ${current.version}.`;
    throw new ClearanceError('conflict', message, { problems: [{ message, fix: importFix }] });
  }
  for await (const entry of tx.audit.withActions(['transition.executed', 'version.imported'])) {
    const data = entry.data;
    if (data.model !== model) continue;
    if (entry.action === 'transition.executed' && data.to !== 'production') continue;
    const how = entry.action === 'version.imported' ? 'was imported' : 'was promoted';
    const message = `Model ${model} has had a production version: ${String(data.version)} ${how} to production at ${entry.time} (audit entry ${entry.seq}).`;
    throw new ClearanceError('conflict', message, { problems: [{ message, fix: importFix }] });
  }
}

/**
 * Records that a version already served production before Clearance governed the model, so the
 * first governed promotion has a baseline to be compared with. Admin only, only while the model
 * has never had a production version, with a reason and ticket, audited as `version.imported`.
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
  const opening = {
    principal,
    model: input.model,
    audit: { action: 'version.import', subject },
    authority: adminOnly('import a production version'),
  };
  return changeModel(deps, opening, async (tx, { model }) => {
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
    await assertNeverInProduction(tx, model.name);
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
  });
}
