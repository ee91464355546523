/**
 * The transition state machine under random use (STYLE: property-based tests for the state
 * machine). fast-check drives random sequences of the use cases — register, request (standard,
 * emergency, experiment), approve, reject, cancel, execute, rollback, time passing, expiry of
 * emergency bypasses — by random people, on the in-memory store (held to the real engines by the
 * store contract suite). Refusals are expected; after every step the invariants must hold:
 * - a use case either succeeds or refuses with a ClearanceError: never a crash;
 * - at most one production version per model, and the serving view names exactly it;
 * - every version's state is one the policy knows;
 * - every executed standard request had its approvals from people other than its requester and
 *   the version's creator, one role per person;
 * - the audit log is contiguous and every stored leaf hash matches its entry;
 * - the store is what its audit log says (`checkStoredState` names no row);
 * - a refused step moves no version and changes no serving view;
 * - a version once archived never serves production again (rollback included);
 * - the evidence of the production version, or of a version an open or executed request names,
 *   never changes.
 * The oracle test also writes the approval rules out independently of src/domain, including the
 * trainer named by the evidence's lineage.json and roles revoked before execution.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  attachEvidence,
  cancelRequest,
  checkStoredState,
  createUser,
  executeTransition,
  expireEmergencies,
  grantRole,
  recordApproval,
  registerModel,
  registerPolicy,
  registerVersion,
  requestTransition,
  revokeRole,
  rollback,
} from '../../src/app/index.js';
import { entryLeafHash } from '../../src/audit/index.js';
import { type ChangeType, isClearanceError, type Principal } from '../../src/domain/index.js';
import { type Harness, harness, person } from './harness.js';

const policy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: state-machine, riskTier: high }
roles: [model_owner, tech_lead, risk_officer, mlops, break_glass]
transitions:
  - from: draft
    to: staging
    requestedBy: [model_owner, mlops]
    gates:
      - { id: repro, type: reproducibility, require: [codeCommit, seed] }
    approvals:
      - { role: tech_lead }
  - from: staging
    to: production
    requestedBy: [mlops]
    gates:
      - { id: repro, type: reproducibility, require: [codeCommit, seed] }
    approvals:
      - { role: model_owner }
      - { role: risk_officer }
    separationOfDuties: { requesterMayApprove: false, creatorMayApprove: false, oneRolePerPerson: true }
  - from: production
    to: deprecated
    requestedBy: [mlops, model_owner]
    approvals:
      - { role: risk_officer }
  - from: deprecated
    to: archived
    requestedBy: [mlops]
    approvals:
      - { role: tech_lead }
changeTypes:
  emergency:
    allowedBy: [break_glass]
    bypass: [repro]
    expiresAfter: 24h
    postIncidentReview:
      dueWithin: 3d
      approvals:
        - { role: risk_officer }
  experiment:
    maxState: staging
`;

const model = 'state-machine';
const states = ['draft', 'staging', 'production', 'deprecated'];
// A small cast, several roles each, so separation of duties and "one role per person" bite.
const cast: Principal[] = [
  person('ann', 'model_owner', 'risk_officer'),
  person('ben', 'tech_lead', 'mlops'),
  person('cat', 'risk_officer', 'tech_lead'),
  person('dan', 'mlops', 'break_glass'),
  person('eve', 'model_owner', 'mlops'),
  person('fay', 'risk_officer', 'model_owner'),
];
const versions = ['1', '2', '3', '4'];

type Step =
  | { kind: 'register'; version: number; by: number; lineage: boolean }
  | { kind: 'request'; version: number; to: number; by: number; changeType: ChangeType }
  | { kind: 'approve'; request: number; by: number; role: number; reject: boolean }
  | { kind: 'cancel'; request: number; by: number }
  | { kind: 'execute'; request: number; by: number }
  | { kind: 'rollback'; by: number }
  | { kind: 'wait'; hours: number };

const who = fc.nat({ max: cast.length - 1 });
/** Which request, counted back from the newest: recent requests are the ones worth acting on. */
const recent = fc.nat({ max: 3 });
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('register' as const),
      version: fc.nat({ max: versions.length - 1 }),
      by: who,
      lineage: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('request' as const),
      version: fc.nat({ max: versions.length - 1 }),
      // Mostly the next state along the policy, sometimes anywhere (refused, mostly).
      to: fc.oneof(
        { weight: 4, arbitrary: fc.constant(-1) },
        { weight: 1, arbitrary: fc.nat({ max: states.length - 1 }) },
      ),
      by: who,
      changeType: fc.constantFrom<ChangeType>('standard', 'standard', 'emergency', 'experiment'),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('approve' as const),
      request: recent,
      by: who,
      // An index into the approver's own roles: wrong roles are refused without much interest.
      role: fc.nat({ max: 1 }),
      reject: fc.nat({ max: 9 }).map((n) => n === 0),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('cancel' as const), request: recent, by: who }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('execute' as const), request: recent, by: who }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rollback' as const), by: who }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('wait' as const),
      hours: fc.integer({ min: 1, max: 48 }),
    }),
  },
);

interface World {
  h: Harness;
  requests: string[];
  /** Who the lineage.json in each version's evidence says trained it. */
  evidenceTrainer: string;
}

const admin = person('root', 'admin');

async function world(evidenceTrainer = trainer): Promise<World> {
  const h = harness();
  const registered = await registerPolicy(h.deps, admin, { text: policy, file: 'policy.yaml' });
  await registerModel(h.deps, admin, {
    name: model,
    ownerTeam: 'ml',
    riskTier: 'high',
    policyDigest: registered.digest,
  });
  // The cast are stored users, so execution re-reads their roles.
  for (const member of cast) {
    await createUser(h.deps, admin, { id: member.id });
    for (const { role } of member.roles) {
      await grantRole(h.deps, admin, { userId: member.id, role });
    }
  }
  const w = { h, requests: [], evidenceTrainer };
  // Versions to start from, by different people (creators may not sign off production); the
  // last one without lineage, so its reproducibility gate errors.
  for (const [k, version] of versions.entries()) {
    await register(w, { version, by: pick(cast, [0, 4, 3, 1][k] ?? 1), lineage: k < 3 });
  }
  // Two of them already in staging, so random walks reach production and beyond.
  for (const version of ['1', '2']) {
    const eve = pick(cast, 4);
    const { request } = await requestTransition(h.deps, eve, {
      model,
      version,
      to: 'staging',
      reason: 'set-up',
    });
    await recordApproval(h.deps, pick(cast, 1), {
      requestId: request.id,
      role: 'tech_lead',
      decision: 'approve',
      comment: 'set-up',
      riskClass: 'low',
    });
    await executeTransition(h.deps, eve, { requestId: request.id });
  }
  return w;
}

const pick = <T>(items: readonly T[], index: number): T => items[index % items.length] as T;

const trainer = 'cat';

/** A version with (or without) its lineage file, which the reproducibility gate reads. */
async function register(
  w: World,
  input: { version: string; by: Principal; lineage: boolean },
): Promise<void> {
  // Trained by someone other than the registrar, so the creator and trainer rules are separate.
  const lineage = { codeCommit: 'a1b2c3d', seed: 7, trainedBy: trainer };
  await registerVersion(w.h.deps, input.by, {
    model,
    version: input.version,
    artifactUri: `s3://models/${input.version}`,
    artifactDigest: `sha256:${input.version.repeat(64).slice(0, 64)}`,
    lineage: input.lineage ? lineage : {},
  });
  if (!input.lineage) return;
  const file = { ...lineage, trainedBy: w.evidenceTrainer };
  await attachEvidence(w.h.deps, input.by, {
    model,
    version: input.version,
    files: [{ path: 'lineage.json', bytes: new TextEncoder().encode(JSON.stringify(file)) }],
  });
}

/** Which sign-off each target state asks for (mirrors the policy above). */
const signOffs: Record<string, string[]> = {
  staging: ['tech_lead'],
  production: ['model_owner', 'risk_officer'],
  deprecated: ['risk_officer'],
};

/** One of the person's roles, preferring those the request asks for: wrong roles teach little. */
function roleFor(w: World, requestId: string, by: Principal, index: number): string {
  const to = w.h.store.snapshot().requests.get(requestId)?.to ?? '';
  const held = by.roles.map((r) => r.role);
  const wanted = held.filter((role) => signOffs[to]?.includes(role));
  return pick(wanted.length > 0 ? wanted : held, index);
}

/** The `back`-th newest request still pending (else the newest of all): where sign-offs matter. */
function target(w: World, back: number): string | undefined {
  const requests = w.h.store.snapshot().requests;
  const pending = w.requests.filter((id) => requests.get(id)?.status === 'pending').reverse();
  return pending[back % Math.max(1, pending.length)] ?? w.requests.at(-1);
}

async function apply(w: World, s: Step): Promise<boolean> {
  const { deps, clock } = w.h;
  const by = pick(cast, 'by' in s ? s.by : 0);
  const requestId = 'request' in s ? target(w, s.request) : undefined;
  switch (s.kind) {
    case 'register':
      await register(w, { version: pick(versions, s.version), by, lineage: s.lineage });
      return true;
    case 'request': {
      const version = pick(versions, s.version);
      const current = w.h.store.snapshot().states.get(`${model}\u0000${version}`)?.state ?? 'draft';
      const next = states[states.indexOf(current) + 1] ?? 'archived';
      const { request } = await requestTransition(deps, by, {
        model,
        version,
        to: s.to === -1 ? next : pick(states, s.to),
        reason: 'random step',
        changeType: s.changeType,
      });
      w.requests.push(request.id);
      return true;
    }
    case 'approve':
      if (!requestId) return false;
      await recordApproval(deps, by, {
        requestId,
        role: roleFor(w, requestId, by, s.role),
        decision: s.reject ? 'reject' : 'approve',
        comment: 'random review',
        riskClass: 'medium',
      });
      return true;
    case 'cancel':
      if (!requestId) return false;
      await cancelRequest(deps, by, { requestId, reason: 'random cancel' });
      return true;
    case 'execute':
      if (!requestId) return false;
      await executeTransition(deps, by, { requestId });
      return true;
    case 'rollback':
      await rollback(deps, by, { model, reason: 'random rollback' });
      return true;
    case 'wait':
      clock.advance(s.hours * 60 * 60 * 1000);
      await expireEmergencies(deps);
      return true;
  }
}

async function checkInvariants(w: World): Promise<void> {
  const state = w.h.store.snapshot();
  const all = [...state.states.values()].filter((v) => v.model === model);
  const production = all.filter((v) => v.state === 'production');
  expect(production.length).toBeLessThanOrEqual(1);
  expect(state.serving.get(model)?.production?.version).toBe(production[0]?.version);
  for (const v of all) expect([...states, 'archived']).toContain(v.state);
  for (const request of state.requests.values()) {
    if (request.status !== 'executed') continue;
    const version = state.versions.get(`${model}\u0000${request.version}`);
    const approvals = state.approvals.filter(
      (a) => a.requestId === request.id && a.decision === 'approve',
    );
    if (request.changeType === 'emergency') {
      // ADR 011: no emergency executes on its requester's word alone (no reviews are recorded here).
      const signers = approvals.map((a) => a.approver);
      expect(signers.length).toBeGreaterThan(0);
      expect(signers).not.toContain(request.requestedBy);
      continue;
    }
    if (request.to === 'production') {
      const approvers = approvals.map((a) => a.approver);
      expect(approvers).not.toContain(request.requestedBy);
      expect(approvers).not.toContain(version?.createdBy);
      expect(new Set(approvers).size).toBe(approvers.length);
      expect(new Set(approvals.map((a) => a.role))).toEqual(
        new Set(['model_owner', 'risk_officer']),
      );
    }
  }
  // The database is what its audit log says: serving, states, requests and approvals replayed.
  const proven = await checkStoredState(w.h.deps);
  expect(proven.problems).toEqual([]);
  expect(proven.disagreements).toEqual([]);
  state.audit.forEach((entry, seq) => {
    expect(entry.seq).toBe(seq);
    expect(Buffer.from(state.leafHashes[seq] as Uint8Array)).toEqual(
      Buffer.from(entryLeafHash(entry)),
    );
  });
}

/** Versions whose evidence is fixed: in production, or named by an open or executed request. */
function frozenEvidence(w: World): Map<string, string> {
  const state = w.h.store.snapshot();
  const fixed = new Set<string>();
  for (const v of state.states.values()) if (v.state === 'production') fixed.add(v.version);
  for (const r of state.requests.values()) {
    if (['pending', 'approved', 'executed'].includes(r.status)) fixed.add(r.version);
  }
  return new Map(
    [...fixed].map((version) => [
      version,
      JSON.stringify(
        state.evidence
          .filter((e) => e.model === model && e.version === version)
          .map((e) => [e.path, e.digest]),
      ),
    ]),
  );
}

function currentEvidence(w: World, version: string): string {
  return JSON.stringify(
    w.h.store
      .snapshot()
      .evidence.filter((e) => e.model === model && e.version === version)
      .map((e) => [e.path, e.digest]),
  );
}

function placement(w: World): string {
  const state = w.h.store.snapshot();
  return JSON.stringify({
    states: [...state.states.entries()].map(([key, v]) => [key, v.state]),
    serving: [...state.serving.entries()],
  });
}

describe('transition state machine (fast-check)', () => {
  it('keeps its invariants under random sequences of use cases by random people', {
    timeout: 180_000,
  }, async () => {
    // How often the walks got somewhere: executed transitions, and walks ending with a version
    // in production. Without them the invariants about production were never exercised.
    let executed = 0;
    let reachedProduction = 0;
    let standardToProduction = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 10, maxLength: 60 }), async (steps) => {
        const w = await world();
        const archived = new Set<string>();
        for (const s of steps) {
          const before = placement(w);
          const frozen = frozenEvidence(w);
          try {
            if ((await apply(w, s)) && s.kind === 'execute') executed += 1;
          } catch (error) {
            if (!isClearanceError(error)) throw error;
            expect(placement(w)).toBe(before);
          }
          await checkInvariants(w);
          for (const [version, evidence] of frozen)
            expect(currentEvidence(w, version)).toBe(evidence);
          for (const v of w.h.store.snapshot().states.values()) {
            if (v.state === 'archived') archived.add(v.version);
            if (v.state === 'production') expect(archived.has(v.version)).toBe(false);
          }
        }
        if (placement(w).includes('"production"')) reachedProduction += 1;
        standardToProduction += [...w.h.store.snapshot().requests.values()].filter(
          (r) => r.status === 'executed' && r.to === 'production' && r.changeType === 'standard',
        ).length;
      }),
      { numRuns: 100, seed: 20261129 },
    );
    expect(executed).toBeGreaterThan(3);
    expect(reachedProduction).toBeGreaterThan(0);
    // The separation-of-duties invariant concerns standard promotions: some must have happened.
    expect(standardToProduction).toBeGreaterThan(0);
    // The store is replayed against its log after every step: ~35 s alone, more on a busy machine.
  });

  it('counts a production sign-off exactly when an independent oracle of the rules says so', {
    timeout: 180_000,
  }, async () => {
    const attempt = fc.record({ by: who, role: fc.nat({ max: 1 }) });
    // Which of the accepted sign-offs loses its role before execution, if any.
    const revocation = fc.option(fc.nat({ max: 9 }), { nil: undefined, freq: 2 });
    let promotions = 0;
    let revokedCounted = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 1 }),
        fc.constantFrom(1, 3, 4),
        fc.array(attempt, { maxLength: 10 }),
        // Who the evidence's lineage.json names as trainer: mostly the registered one.
        fc.constantFrom(trainer, trainer, 'ann', 'fay', 'eve'),
        revocation,
        async (staged, requesterIndex, attempts, evidenceTrainer, revoke) => {
          const w = await world(evidenceTrainer);
          const version = pick(versions, staged);
          const requester = pick(cast, requesterIndex);
          const creator = w.h.store.snapshot().versions.get(`${model}\u0000${version}`)?.createdBy;
          const { request } = await requestTransition(w.h.deps, requester, {
            model,
            version,
            to: 'production',
            reason: 'oracle',
          });
          // The oracle: the policy's rules written out independently of src/domain.
          const roleOf = new Map<string, string>();
          const filled = new Set<string>();
          for (const a of attempts) {
            const by = pick(cast, a.by);
            const role = pick(
              by.roles.map((r) => r.role),
              a.role,
            );
            const expected =
              ['model_owner', 'risk_officer'].includes(role) &&
              by.id !== requester.id &&
              by.id !== creator &&
              by.id !== trainer &&
              by.id !== evidenceTrainer &&
              (roleOf.get(by.id) ?? role) === role &&
              !(roleOf.get(by.id) === role);
            const outcome = await recordApproval(w.h.deps, by, {
              requestId: request.id,
              role,
              decision: 'approve',
              comment: 'oracle',
              riskClass: 'high',
            }).then(
              () => true,
              (error: unknown) => {
                if (!isClearanceError(error)) throw error;
                return false;
              },
            );
            expect([by.id, role, outcome]).toEqual([by.id, role, expected]);
            if (expected) {
              roleOf.set(by.id, role);
              filled.add(`${by.id}\u0000${role}`);
            }
          }
          // A role revoked before execution: that person's sign-off in it no longer counts.
          const revoked = revoke === undefined ? undefined : [...filled][revoke % filled.size];
          if (revoked !== undefined) {
            const [userId = '', role = ''] = revoked.split('\u0000');
            await revokeRole(w.h.deps, admin, { userId, role });
            revokedCounted += 1;
          }
          const holds = (role: string) =>
            [...filled].some((key) => key !== revoked && key.endsWith(`\u0000${role}`));
          const executes = holds('model_owner') && holds('risk_officer');
          const done = await executeTransition(w.h.deps, requester, { requestId: request.id }).then(
            () => true,
            (error: unknown) => {
              if (!isClearanceError(error)) throw error;
              return false;
            },
          );
          expect(done).toBe(executes);
          if (done) promotions += 1;
          const state = w.h.store.snapshot().states.get(`${model}\u0000${version}`)?.state;
          expect(state).toBe(executes ? 'production' : 'staging');
          await checkInvariants(w);
        },
      ),
      { numRuns: 150, seed: 29112026 },
    );
    // Both outcomes must occur, or the oracle was only ever asked about refusals.
    // (Fewer than before the trainer and revocation draws, which refuse many of them.)
    expect(promotions).toBeGreaterThan(3);
    // And revocations must have hit counted sign-offs, or the role re-check was never asked.
    expect(revokedCounted).toBeGreaterThan(3);
  });
});
