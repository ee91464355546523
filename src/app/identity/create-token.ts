import {
  type Actor,
  type ApiTokenRecord,
  type ApiTokenView,
  invalidInput,
  notFound,
  type Principal,
  tokenView,
} from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { forbidden, guarded } from '../shared/authorise.js';
import type { Repositories } from '../shared/ports.js';
import { isGlobalAdmin } from './identity-rules.js';

/** A new token as its creator sees it, once: `token` is the secret and is never stored. */
export interface CreatedToken extends ApiTokenView {
  /** `clr_<id>_<secret>`: shown now and never again. */
  token: string;
}

export interface CreateTokenInput {
  /** Whose token; the caller's own when absent. */
  userId?: string | undefined;
  description?: string | undefined;
  /** RFC 3339; absent means the token lives until revoked. */
  expiresAt?: string | undefined;
}

function expiryOf(text: string | undefined, now: Date): string | undefined {
  if (text === undefined || text === '') return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) {
    throw invalidInput(
      `Expiry "${text}" is not a date and time.`,
      'Give an RFC 3339 instant such as 2026-12-31T00:00:00Z.',
    );
  }
  if (at <= now.getTime()) {
    throw invalidInput(`Expiry ${text} is not in the future.`, 'Give a later expiry, or none.');
  }
  return new Date(at).toISOString();
}

/** Mints a token for an existing user and writes `token.created` in the caller's transaction. */
export async function insertToken(
  tx: Repositories,
  facts: {
    deps: AppDeps;
    userId: string;
    description: string;
    expiresAt?: string | undefined;
    actor: Actor;
    time: string;
  },
): Promise<CreatedToken> {
  const { userId, actor, time } = facts;
  if (!(await tx.identity.getUser(userId))) {
    throw notFound(`User ${userId}`, 'Ask an admin to create the user first.');
  }
  const issued = facts.deps.tokens.issue();
  const record: ApiTokenRecord = {
    id: issued.id,
    userId,
    hashedSecret: issued.hashedSecret,
    description: facts.description,
    createdAt: time,
    createdBy: actor.id,
    ...(facts.expiresAt === undefined ? {} : { expiresAt: facts.expiresAt }),
  };
  await tx.identity.insertToken(record);
  await tx.audit.append(
    auditRecord({
      actor,
      time,
      action: 'token.created',
      subject: { type: 'api_token', id: record.id },
      data: { userId, description: record.description, expiresAt: record.expiresAt },
    }),
  );
  return { ...tokenView(record), token: issued.display };
}

/**
 * Creates an API token and returns its secret once; only its hash is stored. Anyone may create
 * tokens for themselves; global admins for anyone.
 */
export async function createToken(
  deps: AppDeps,
  principal: Principal,
  input: CreateTokenInput = {},
): Promise<CreatedToken> {
  const userId = input.userId ?? principal.id;
  const subject = { type: 'user', id: userId };
  return guarded(deps, { actor: principal, action: 'token.create', subject }, () =>
    deps.store.transaction(async (tx) => {
      if (userId !== principal.id && !isGlobalAdmin(principal)) {
        throw forbidden(
          `${principal.id} may not create API tokens for ${userId}: only global admins may.`,
          'Create a token for yourself, or ask an admin.',
        );
      }
      const now = deps.clock.now();
      const description = input.description?.trim() ?? '';
      return insertToken(tx, {
        deps,
        userId,
        description,
        expiresAt: expiryOf(input.expiresAt, now),
        actor: principal,
        time: now.toISOString(),
      });
    }),
  );
}
