import { expect, it } from 'vitest';
import {
  cancelRequest,
  getRequest,
  recordApproval,
  requestTransition,
} from '../../src/app/index.js';
import { addVersion, forEachStore, people, person, setupModel, toStaging } from './harness.js';

/** `actions` of a request view: what each caller may do now, by the rules the actions enforce. */
forEachStore('request actions', (open) => {
  async function setup() {
    const h = await open();
    await setupModel(h, 'medical-imaging', 'cxr-triage', 'safety-critical');
    await addVersion(h, {
      model: 'cxr-triage',
      version: '3.0',
      dir: 'medical-imaging/candidates/passing',
    });
    await toStaging(h, 'cxr-triage', '3.0');
    const { request } = await requestTransition(h.deps, people.mlops, {
      model: 'cxr-triage',
      version: '3.0',
      to: 'production',
      reason: 'Locked clinical test set passed',
      ticket: 'CAB-80',
    });
    return { h, requestId: request.id };
  }
  const sign = (role: string) => ({
    role,
    decision: 'approve' as const,
    comment: 'Reviewed',
    ticket: 'CAB-80',
    riskClass: 'high' as const,
  });

  it('offers each approver their missing roles, the requester only cancel, and execute once signed', async () => {
    const { h, requestId } = await setup();
    const view = (who: Parameters<typeof getRequest>[1]) =>
      getRequest(h.deps, who, { requestId }).then((v) => v.actions);
    expect(await view(people.clinician)).toEqual({
      signAs: ['senior_clinician'],
      execute: false,
      cancel: false,
    });
    expect(await view(people.owner)).toEqual({
      signAs: ['model_owner'],
      execute: false,
      cancel: false,
    });
    // The requester holds a required role too, but separation of duties bars their sign-off.
    const requesterWithRole = person('max.mlops', 'mlops', 'model_owner');
    expect(await view(requesterWithRole)).toEqual({ signAs: [], execute: false, cancel: true });

    await recordApproval(h.deps, people.clinician, { requestId, ...sign('senior_clinician') });
    expect((await view(people.clinician)).signAs).toEqual([]);
    await recordApproval(h.deps, people.owner, { requestId, ...sign('model_owner') });
    expect(await view(people.mlops)).toEqual({ signAs: [], execute: true, cancel: true });
    expect(await view(people.admin)).toEqual({ signAs: [], execute: true, cancel: true });
    expect(await view(people.owner)).toEqual({ signAs: [], execute: false, cancel: false });

    await cancelRequest(h.deps, people.mlops, { requestId, reason: 'Superseded' });
    expect(await view(people.admin)).toEqual({ signAs: [], execute: false, cancel: false });
  });
});
