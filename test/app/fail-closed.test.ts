import { describe, expect, it } from 'vitest';
import { registerModel, requestTransition } from '../../src/app/index.js';
import type { Repositories, Store } from '../../src/app/ports.js';
import type { InMemoryStore } from '../fakes/in-memory-store.js';
import { addVersion, harness, people, refusal, setupModel } from './harness.js';

/** A store whose audit log refuses writes once `broken` is set. */
function breakable(store: InMemoryStore): Store & { broken: boolean } {
  const wrapped = {
    broken: false,
    close: () => store.close(),
    transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
      return store.transaction((tx) => {
        if (!wrapped.broken) return work(tx);
        const append = () => Promise.reject(new Error('audit log unavailable'));
        return work({ ...tx, audit: { ...tx.audit, append } });
      });
    },
  };
  return wrapped;
}

describe('fail closed', () => {
  it('a throwing audit append leaves no state change', async () => {
    let wrapped: (Store & { broken: boolean }) | undefined;
    const h = harness((store) => {
      wrapped = breakable(store);
      return wrapped;
    });
    if (!wrapped) throw new Error('not wrapped');
    const policy = await setupModel(h, 'credit-risk', 'credit-risk-pd', 'regulated');
    await addVersion(h, {
      model: 'credit-risk-pd',
      version: '1',
      dir: 'credit-risk/candidates/passing',
    });
    const before = h.store.snapshot();
    wrapped.broken = true;
    const request = await refusal(
      requestTransition(h.deps, people.owner, {
        model: 'credit-risk-pd',
        version: '1',
        to: 'staging',
        reason: 'go',
      }),
    );
    expect(request.message).toBe('audit log unavailable');
    const model = await refusal(
      registerModel(h.deps, people.admin, {
        name: 'other',
        ownerTeam: 't',
        riskTier: 'low',
        policyDigest: policy.digest,
      }),
    );
    expect(model.message).toBe('audit log unavailable');
    expect(h.store.snapshot()).toEqual(before);
  });
});
