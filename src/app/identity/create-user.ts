import { type Actor, notFound, type Principal, type User } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { guarded } from '../shared/authorise.js';
import type { Repositories } from '../shared/ports.js';
import { assertGlobalRole, assertUserId, checkedEmail } from './identity-rules.js';

export interface CreateUserInput {
  id: string;
  displayName?: string | undefined;
  team?: string | undefined;
  /** Where notification emails go. */
  email?: string | undefined;
}

/** Inserts the user and its `user.created` entry in the caller's transaction. */
export async function insertUser(
  tx: Repositories,
  facts: { input: CreateUserInput; actor: Actor; time: string },
): Promise<User> {
  const { input, actor, time } = facts;
  const user: User = {
    id: input.id,
    ...(input.displayName?.trim() ? { displayName: input.displayName.trim() } : {}),
    ...(input.team?.trim() ? { team: input.team.trim() } : {}),
    ...(input.email === undefined ? {} : { email: checkedEmail(input.email) }),
    createdAt: time,
    createdBy: actor.id,
  };
  await tx.identity.insertUser(user);
  await tx.audit.append(
    auditRecord({
      actor,
      time,
      action: 'user.created',
      subject: { type: 'user', id: user.id },
      data: { displayName: user.displayName, team: user.team, email: user.email },
    }),
  );
  return user;
}

/** Creates a user (without roles or tokens); global admins only. */
export async function createUser(
  deps: AppDeps,
  principal: Principal,
  input: CreateUserInput,
): Promise<User> {
  assertUserId(input.id);
  const subject = { type: 'user', id: input.id };
  return guarded(deps, { actor: principal, action: 'user.create', subject }, () =>
    deps.store.transaction(async (tx) => {
      assertGlobalRole({ principal, roles: ['admin'], action: 'create users' });
      return insertUser(tx, { input, actor: principal, time: deps.clock.now().toISOString() });
    }),
  );
}

/** Sets or removes a user's notification address; the user themself or a global admin. */
export async function setUserEmail(
  deps: AppDeps,
  principal: Principal,
  input: { id: string; email: string | undefined },
): Promise<User> {
  const subject = { type: 'user', id: input.id };
  return guarded(deps, { actor: principal, action: 'user.set_email', subject }, () =>
    deps.store.transaction(async (tx) => {
      if (principal.id !== input.id) {
        assertGlobalRole({ principal, roles: ['admin'], action: "change another user's email" });
      }
      const email = input.email === undefined ? undefined : checkedEmail(input.email);
      if (!(await tx.identity.setEmail(input.id, email))) {
        throw notFound(`User ${input.id}`, 'Check the id in the user list.');
      }
      const time = deps.clock.now().toISOString();
      await tx.audit.append(
        auditRecord({ actor: principal, time, action: 'user.email_set', subject, data: { email } }),
      );
      const user = await tx.identity.getUser(input.id);
      if (user === undefined) throw new Error(`User ${input.id} vanished`);
      return user;
    }),
  );
}
