/**
 * State changes that touch serving: promotion to production (the previous production version is
 * demoted and becomes the rollback target) and rollback (the target is restored).
 */
import {
  ClearanceError,
  demotedOnPromotion,
  demotedOnRollback,
  type Policy,
  rollbackTargetStates,
  type ServingView,
  type TransitionRequest,
} from '../../domain/index.js';
import type { Repositories } from '../shared/ports.js';
import { together } from '../shared/read-together.js';

export interface MoveResult {
  /** The version a promotion took out of production. */
  demoted?: string;
}

/** Moves a version to `to`; the caller holds the model row lock. */
export async function moveVersion(
  tx: Repositories,
  input: {
    policy: Policy;
    model: string;
    version: string;
    from: string;
    to: string;
    requestId?: string;
    at: string;
  },
): Promise<MoveResult> {
  const { model, version, at } = input;
  if (input.to === 'production') {
    // A promotion replaces the serving view whole: the view as it stands is not read.
    const previous = (await tx.versions.inState(model, 'production')).find(
      (v) => v.version !== version,
    );
    const next: ServingView = {
      model,
      production: { version, since: at },
      ...(previous ? { rollbackTarget: { version: previous.version } } : {}),
    };
    // One after another: the promotion checks that no other version is in production, so the
    // demotion must have run first, whatever each call awaits before it sends its statement.
    if (previous) {
      await tx.versions.setState({
        model,
        version: previous.version,
        state: demotedOnPromotion(input.policy, input.from),
        since: at,
      });
    }
    await tx.versions.setState({
      model,
      version,
      state: 'production',
      ...(input.requestId ? { requestId: input.requestId } : {}),
      since: at,
    });
    await tx.serving.set(next);
    return previous ? { demoted: previous.version } : {};
  }
  const moved = tx.versions.setState({
    model,
    version,
    state: input.to,
    ...(input.requestId ? { requestId: input.requestId } : {}),
    since: at,
  });
  // Serving names only the production version: a move between other states leaves it alone.
  if (input.from !== 'production') {
    await moved;
    return {};
  }
  // The serving view and the version's new state, sent together (ADR 049): neither reads what
  // the other writes.
  const [serving] = await together([tx.serving.get(model), moved]);
  if (serving.production?.version === version) {
    const { production: _dropped, ...rest } = serving;
    await tx.serving.set(rest);
  }
  return {};
}

/**
 * The serving view's rollback target, when it is eligible: still in the state its demotion left
 * it in, and not last put in production by an emergency whose bypass ended unregularised. A
 * target since archived (or otherwise moved on), or such an emergency, is refused when the
 * rollback needs it, and otherwise treated as no target: a rollback never resurrects a retired
 * version, nor a hotfix whose gates and sign-offs were bypassed and whose expiry is over.
 */
async function eligibleTarget(
  tx: Repositories,
  input: { policy: Policy; model: string; serving: ServingView; requireTarget: boolean },
): Promise<string | undefined> {
  const target = input.serving.rollbackTarget?.version;
  if (target === undefined) return undefined;
  const version = await tx.versions.get(input.model, target);
  const allowed = rollbackTargetStates(input.policy);
  if (!version || !allowed.includes(version.state)) {
    if (!input.requireTarget) return undefined;
    const state = version?.state ?? 'missing';
    const message = `Rollback target ${input.model}@${target} is ${state}; only a version still ${allowed.join(' or ')} since production replaced it can be restored.`;
    throw new ClearanceError('precondition_failed', message, {
      problems: [
        {
          message,
          fix: `Promote a version to production through a request instead; ${target} would need a new request and sign-offs.`,
        },
      ],
    });
  }
  const emergency = await unregularisedEmergency(tx, { model: input.model, version: target });
  if (emergency === undefined) return target;
  if (!input.requireTarget) return undefined;
  const message = `Rollback target ${input.model}@${target} reached production through emergency request ${emergency.id}, whose bypass ended without it passing the standard path (its gates were bypassed and it was never regularised); a rollback cannot put it back in production.`;
  throw new ClearanceError('precondition_failed', message, {
    problems: [
      {
        message,
        fix: `Request a standard transition to production for ${target} (its gates and sign-offs), or for another version.`,
      },
    ],
  });
}

/**
 * The emergency request that last put the version in production, when its bypass ended without
 * becoming a standard change: closed, and no `emergency.regularised` entry in the audit log, the
 * record of that judgement (an emergency replaced within its window is only closed at its end,
 * never judged). One still open is not: restored, it is in production when its expiry judges it.
 */
async function unregularisedEmergency(
  tx: Repositories,
  input: { model: string; version: string },
): Promise<TransitionRequest | undefined> {
  const promotions = (await tx.requests.list({ ...input, status: ['executed', 'expired'] })).filter(
    (r) => r.to === 'production',
  );
  const last = promotions.reduce<TransitionRequest | undefined>(
    (latest, r) =>
      latest === undefined || (r.closedAt ?? '') > (latest.closedAt ?? '') ? r : latest,
    undefined,
  );
  if (last?.changeType !== 'emergency') return undefined;
  if (last.status === 'executed' && last.closeReason === undefined) return undefined;
  const subject = { type: 'request', id: last.id };
  const regularised = await tx.audit.aboutSubject(subject, ['emergency.regularised']);
  return regularised.length > 0 ? undefined : last;
}

/**
 * Restores the rollback target to production and demotes the current production version.
 * Without an eligible target the current version is still taken out of production.
 */
export async function restoreRollbackTarget(
  tx: Repositories,
  input: { policy: Policy; model: string; at: string; requireTarget: boolean },
): Promise<{ from?: string; to?: string }> {
  const serving = await tx.serving.get(input.model);
  const target = await eligibleTarget(tx, { ...input, serving });
  if (!target && input.requireTarget) {
    const message = `Model ${input.model} has no rollback target.`;
    throw new ClearanceError('precondition_failed', message, {
      problems: [
        {
          message,
          fix: 'A rollback target exists after a promotion replaced a production version.',
        },
      ],
    });
  }
  const current = (await tx.versions.inState(input.model, 'production'))[0];
  if (current) {
    await tx.versions.setState({
      model: input.model,
      version: current.version,
      state: demotedOnRollback(input.policy),
      since: input.at,
    });
  }
  if (target) {
    await tx.versions.setState({
      model: input.model,
      version: target,
      state: 'production',
      since: input.at,
    });
  }
  await tx.serving.set({
    model: input.model,
    ...(target ? { production: { version: target, since: input.at } } : {}),
  });
  return { ...(current ? { from: current.version } : {}), ...(target ? { to: target } : {}) };
}
