/**
 * Type-level: the reply types generated from the OpenAPI document (openapi.d.ts) are the domain
 * types the CliRegistry methods return, for the seven replies the remote registry used to cast
 * (a decision record, or a reply embedding it, the sign-off evaluation or the backtest report),
 * and the audit state check and signed checkpoint, once parsed by hand-written zod shapes.
 * These assertions are checked by `tsc` (`npm run typecheck` compiles test/); at run time they
 * only name the pairs. A reply schema looser than its record — a field optional that the domain
 * always sets, a string where the domain has an enum, a nullable the domain never sends — makes
 * its generated type wider than the domain's, and this file stops compiling.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { CliRegistry } from '../../src/cli/registry/cli-registry.js';
import type { paths } from '../../src/cli/registry/openapi.js';
import type { GateType, gateTypes } from '../../src/domain/index.js';

/** The JSON body of a route's answer with `status`, as openapi-typescript generates it. */
type Reply<
  Path extends keyof paths,
  Method extends keyof paths[Path],
  Status extends number,
> = paths[Path][Method] extends { responses: infer Responses }
  ? Status extends keyof Responses
    ? Responses[Status] extends { content: { 'application/json': infer Body } }
      ? Body
      : never
    : never
  : never;

/** What a CliRegistry method resolves to: the domain type the CLI's commands read. */
type Returns<Method extends keyof CliRegistry> = CliRegistry[Method] extends (
  ...args: never[]
) => Promise<infer Result>
  ? Result
  : never;

describe('the generated reply types', () => {
  it('are the domain types the remote registry returns, with no cast', () => {
    type History = Reply<'/api/v1/models/{name}/history', 'get', 200>;
    expectTypeOf<History>().not.toBeNever();
    expectTypeOf<History>().toExtend<Returns<'history'>>();

    type Requested = Reply<'/api/v1/requests', 'post', 201>;
    expectTypeOf<Requested>().not.toBeNever();
    expectTypeOf<Requested>().toExtend<Returns<'requestTransition'>>();

    type Executed = Reply<'/api/v1/requests/{id}/execute', 'post', 200>;
    expectTypeOf<Executed>().not.toBeNever();
    expectTypeOf<Executed>().toExtend<Returns<'executeTransition'>>();

    type Request = Reply<'/api/v1/requests/{id}', 'get', 200>;
    expectTypeOf<Request>().not.toBeNever();
    expectTypeOf<Request>().toExtend<Returns<'request'>>();

    type Decision = Reply<'/api/v1/decisions/{id}', 'get', 200>;
    expectTypeOf<Decision>().not.toBeNever();
    expectTypeOf<Decision>().toExtend<Returns<'decision'>>();

    type Reviewed = Reply<'/api/v1/requests/{id}/reviews', 'post', 201>;
    expectTypeOf<Reviewed>().not.toBeNever();
    expectTypeOf<Reviewed>().toExtend<Returns<'recordReview'>>();

    type Backtest = Reply<'/api/v1/policies/backtest', 'post', 200>;
    expectTypeOf<Backtest>().not.toBeNever();
    expectTypeOf<Backtest>().toExtend<Returns<'backtest'>>();
  });

  it('type the audit state check and the signed checkpoint, which no hand-written shape restates', () => {
    type State = Reply<'/api/v1/audit/state', 'get', 200>;
    expectTypeOf<State>().not.toBeNever();
    expectTypeOf<State>().toExtend<Returns<'auditState'>>();

    type Signed = Reply<'/api/v1/audit/checkpoints', 'post', 200>;
    expectTypeOf<Signed>().not.toBeNever();
    expectTypeOf<Signed>().toExtend<Returns<'signCheckpoint'>>();
  });

  it("carry every gate type the domain's policies define", () => {
    expectTypeOf<(typeof gateTypes)[number]>().toEqualTypeOf<GateType>();
  });
});
