/** Checks shared by the identity use cases: who may administer, and what names look like. */
import type { Principal, RoleBinding } from '../../domain/index.js';
import { invalidInput } from '../../domain/index.js';
import { forbidden } from '../shared/authorise.js';

const userIdPattern = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;
const rolePattern = /^[a-z][a-z0-9_]{0,63}$/;
const modelPattern = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/** Identity is administered globally: an `admin` binding on one model does not count. */
export function isGlobalAdmin(principal: Principal): boolean {
  return principal.roles.some((b) => b.role === 'admin' && b.model === undefined);
}

/** Throws `forbidden` unless the principal holds one of `roles` globally. */
export function assertGlobalRole(input: {
  principal: Principal;
  roles: readonly string[];
  action: string;
}): void {
  const held = input.principal.roles.some(
    (b) => b.model === undefined && input.roles.includes(b.role),
  );
  if (held) return;
  throw forbidden(
    `${input.principal.id} may not ${input.action}: it needs one of the global roles ${input.roles.join(', ')}.`,
    'Ask an admin to do it, or to grant you the role.',
  );
}

export function assertUserId(id: string): void {
  if (userIdPattern.test(id)) return;
  throw invalidInput(
    `User id "${id}" is not allowed.`,
    'Use letters, digits, ".", "_", "@" or "-", starting with a letter or digit (at most 100).',
  );
}

export function assertRoleBinding(binding: RoleBinding): void {
  if (!rolePattern.test(binding.role)) {
    throw invalidInput(
      `Role "${binding.role}" is not a role name.`,
      'Use lowercase letters, digits and "_", starting with a letter (e.g. risk_officer).',
    );
  }
  if (binding.model !== undefined && !modelPattern.test(binding.model)) {
    throw invalidInput(
      `Model "${binding.model}" is not a model name.`,
      'Name a registered model, or leave the model out for a global role.',
    );
  }
}

export function bindingOf(input: { role: string; model?: string | undefined }): RoleBinding {
  return input.model === undefined || input.model === ''
    ? { role: input.role }
    : { role: input.role, model: input.model };
}

/** A plausible address (one @, no spaces or angle brackets), trimmed; not a deliverability check. */
export function checkedEmail(email: string): string {
  const trimmed = email.trim();
  if (/^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/u.test(trimmed) && trimmed.length <= 254) return trimmed;
  throw invalidInput(
    `"${email}" is not an email address.`,
    'Give one address like rita@example.com, without a display name.',
  );
}
