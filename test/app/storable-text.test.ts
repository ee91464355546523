/**
 * Text no engine can store — a NUL (U+0000) or an unpaired UTF-16 surrogate — is refused with
 * `invalid_input` on every path into the use cases, not only behind the HTTP edge's guard: through
 * the bound use cases every edge calls (the CLI's local registry, the MLflow routes), naming the
 * field, and by a use case called directly, where the store refuses the statement naming the
 * column. Nothing is written: the audit log keeps its length and the thing is not there. Before,
 * SQLite stored such text and PostgreSQL answered 22021 (a 500). ADR 023.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  bindUseCases,
  createToken,
  createUser,
  registerModel,
  registerVersion,
  requestTransition,
  type UseCases,
} from '../../src/app/index.js';
import { createRegisteredModel } from '../../src/app/mlflow/mlflow-writes.js';
import {
  assertStorableInput,
  ClearanceError,
  storableTextProblem,
} from '../../src/domain/index.js';
import { forEachStore, people, type StoreHarness, setupModel } from './harness.js';

const model = 'credit-risk-pd';
const digest = `sha256:${createHash('sha256').update('1.0.0').digest('hex')}`;

/** One field of one use case, called directly (`direct`) and as the edges call it (`bound`). */
interface FieldCase {
  field: string;
  /** The column the store names when the use case is called directly. */
  column: string;
  direct: (h: StoreHarness, bad: string) => Promise<unknown>;
  bound: (u: UseCases, bad: string, h: StoreHarness) => Promise<unknown>;
  /** Whether the thing was written after all. */
  written: (h: StoreHarness) => Promise<boolean>;
}

const cases: FieldCase[] = [
  {
    field: 'ownerTeam',
    column: 'models.owner_team',
    direct: (h, bad) =>
      h.store
        .readOne((tx) => tx.models.get(model))
        .then((m) =>
          registerModel(h.deps, people.admin, {
            name: 'fraud-score',
            ownerTeam: bad,
            riskTier: 'regulated',
            policyDigest: m?.policyDigest ?? '',
          }),
        ),
    bound: (u, bad) =>
      u.registerModel(people.admin, { name: 'fraud-score', ownerTeam: bad, policy: 'x' }),
    written: (h) => h.store.readOne((tx) => tx.models.get('fraud-score')).then(Boolean),
  },
  {
    field: 'artifactUri',
    column: 'versions.artifact_uri',
    direct: (h, bad) => registerVersion(h.deps, people.ci, versionInput({ artifactUri: bad })),
    bound: (u, bad) => u.registerVersion(people.ci, versionInput({ artifactUri: bad })),
    written: (h) => h.store.readOne((tx) => tx.versions.get(model, '2.0.0')).then(Boolean),
  },
  {
    field: 'reason',
    column: 'transition_requests.reason',
    direct: (h, bad) => requestTransition(h.deps, people.owner, requestInput({ reason: bad })),
    bound: (u, bad) => u.requestTransition(people.owner, requestInput({ reason: bad })),
    written: openRequests,
  },
  {
    field: 'ticket',
    column: 'transition_requests.ticket',
    direct: (h, bad) =>
      requestTransition(h.deps, people.owner, requestInput({ reason: 'ok', ticket: bad })),
    bound: (u, bad) =>
      u.requestTransition(people.owner, requestInput({ reason: 'ok', ticket: bad })),
    written: openRequests,
  },
  {
    field: 'displayName',
    column: 'users.display_name',
    direct: (h, bad) => createUser(h.deps, people.admin, { id: 'nul.user', displayName: bad }),
    bound: (u, bad) => u.createUser(people.admin, { id: 'nul.user', displayName: bad }),
    written: (h) => h.store.readOne((tx) => tx.identity.getUser('nul.user')).then(Boolean),
  },
  {
    field: 'description',
    column: 'api_tokens.name',
    direct: (h, bad) => createToken(h.deps, people.admin, { userId: 'tok.user', description: bad }),
    bound: (u, bad) => u.createToken(people.admin, { userId: 'tok.user', description: bad }),
    written: (h) =>
      h.store.readOne((tx) => tx.identity.listTokens('tok.user')).then((t) => t.length > 0),
  },
  {
    field: 'tags[0].value',
    column: 'model_tags.value',
    direct: async (h, bad) =>
      createRegisteredModel(h.deps, people.admin, {
        name: 'mlflow-model',
        tags: await mlflowTags(h, bad),
      }),
    bound: async (u, bad, h) =>
      u.mlflowCreateRegisteredModel(people.admin, {
        name: 'mlflow-model',
        tags: await mlflowTags(h, bad),
      }),
    written: (h) => h.store.readOne((tx) => tx.models.get('mlflow-model')).then(Boolean),
  },
];

/** A tag with `bad`, and the policy tag a registered model needs. */
async function mlflowTags(h: StoreHarness, bad: string) {
  const governing = await h.store.readOne((tx) => tx.models.get(model));
  return [
    { key: 'team', value: bad },
    { key: 'clearance.policy', value: governing?.policyDigest ?? '' },
  ];
}

function versionInput(over: { artifactUri: string }) {
  return { model, version: '2.0.0', artifactDigest: digest, lineage: {}, ...over };
}

function requestInput(over: { reason: string; ticket?: string }) {
  return { model, version: '1.0.0', to: 'staging', ...over };
}

async function openRequests(h: StoreHarness): Promise<boolean> {
  const found = await h.store.readOne((tx) => tx.requests.list({ model }));
  return found.length > 0;
}

const badTexts = [
  ['NUL', 'before\u0000after'],
  ['an unpaired surrogate', 'before\uD800after'],
] as const;

forEachStore('text no engine can store', (open) => {
  let h: StoreHarness;
  beforeEach(async () => {
    h = await open();
    await setupModel(h, 'credit-risk', model, 'regulated');
    await registerVersion(h.deps, people.ci, {
      model,
      version: '1.0.0',
      artifactUri: `s3://models/${model}/1.0.0`,
      artifactDigest: digest,
      lineage: {},
    });
    await createUser(h.deps, people.admin, { id: 'tok.user' });
  });

  const auditSize = () => h.store.read((tx) => tx.audit.size());

  async function refusal(call: Promise<unknown>): Promise<ClearanceError> {
    const error = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ClearanceError);
    expect((error as ClearanceError).code).toBe('invalid_input');
    return error as ClearanceError;
  }

  for (const c of cases) {
    for (const [what, bad] of badTexts) {
      it(`refuses ${what} in ${c.field} as the edges call it, naming the field`, async () => {
        const before = await auditSize();
        const error = await refusal(c.bound(bindUseCases(h.deps), bad, h));
        expect(error.message).toContain(c.field);
        expect(error.message).toContain(what === 'NUL' ? 'NUL' : 'surrogate');
        expect(error.problems[0]?.fix).toMatch(/^Remove it/);
        expect(await auditSize()).toBe(before);
        expect(await c.written(h)).toBe(false);
      });
    }
    for (const [what, bad] of badTexts) {
      it(`refuses ${what} in ${c.field} from a use case called directly, writing nothing`, async () => {
        const before = await auditSize();
        const error = await refusal(c.direct(h, bad));
        expect(error.message).toContain(what === 'NUL' ? 'NUL' : 'surrogate');
        expect(error.message).toContain(`The value for ${c.column} contains`);
        expect(await auditSize()).toBe(before);
        expect(await c.written(h)).toBe(false);
      });
    }
  }
});

describe('assertStorableInput', () => {
  it('refuses exactly the values holding NUL or an unpaired surrogate, anywhere', () => {
    const text = fc.string({ unit: 'binary', maxLength: 12 });
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.integer(),
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(text, tie('node'), { maxKeys: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        const strings: string[] = [];
        const collect = (x: unknown): void => {
          if (typeof x === 'string') strings.push(x);
          else if (Array.isArray(x)) x.forEach(collect);
          else if (x !== null && typeof x === 'object') {
            for (const [k, child] of Object.entries(x)) {
              strings.push(k);
              collect(child);
            }
          }
        };
        collect(v);
        const bad = strings.some((s) => storableTextProblem(s) !== undefined);
        let refused: unknown;
        try {
          assertStorableInput(v, { field: '', of: 'aUseCase' });
        } catch (error) {
          refused = error;
        }
        if (!bad) return refused === undefined;
        return refused instanceof ClearanceError && refused.code === 'invalid_input';
      }),
    );
  });
});
