/** The code behind admin-commands.ts, loaded when one of those commands runs. */
import { bootstrapAdmin, type CreatedToken } from '../../app/index.js';
import { ClearanceError, formatDuration, parseDuration } from '../../domain/index.js';
import { toJson } from '../check-report.js';
import { exitCodes } from '../exit-codes.js';
import type { Io } from '../lazy.js';
import { type DatabaseFlags, openRegistryAt } from '../registry/local-registry.js';
import { type RegistryFlags, withCliRegistry } from '../registry/select-registry.js';

type AdminFlags = RegistryFlags & { format?: string };

/** `30d` from now, or an RFC 3339 instant as it is. */
function expiryFrom(text: string | undefined, now: Date): string | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms !== undefined) return new Date(now.getTime() + ms).toISOString();
  if (!Number.isNaN(Date.parse(text))) return text;
  throw new ClearanceError(
    'invalid_input',
    `--expires "${text}" is neither a duration nor a date.`,
    {
      problems: [
        {
          message: `--expires "${text}" is neither a duration nor a date.`,
          fix: `Use a duration such as ${formatDuration(30 * 24 * 3600 * 1000)} or 12h, or an RFC 3339 instant.`,
        },
      ],
    },
  );
}

function renderToken(token: CreatedToken, format: string | undefined): string {
  if (format === 'json') return `${toJson(token)}\n`;
  return [
    `API token ${token.id} for ${token.userId}${token.expiresAt ? ` (expires ${token.expiresAt})` : ''}:`,
    '',
    `  ${token.token}`,
    '',
    'Store it now (e.g. in a secret manager): it is shown this once and cannot be recovered.',
    `Use it as: Authorization: Bearer ${token.token.slice(0, 8)}…`,
    '',
  ].join('\n');
}

export async function createTokenCommand(
  io: Io,
  o: AdminFlags & { user: string; expires?: string; description?: string },
): Promise<number> {
  const expiresAt = expiryFrom(o.expires, new Date());
  const created = await withCliRegistry(o, 'database', (registry) =>
    registry.createToken({
      userId: o.user,
      ...(o.description === undefined ? {} : { description: o.description }),
      ...(expiresAt === undefined ? {} : { expiresAt }),
    }),
  );
  io.stdout.write(renderToken(created, o.format));
  return exitCodes.ok;
}

/** Idempotent: a token already revoked is printed as it is, with when and by whom. */
export async function revokeTokenCommand(io: Io, o: AdminFlags & { id: string }) {
  const revoked = await withCliRegistry(o, 'database', (registry) => registry.revokeToken(o.id));
  const text = `API token ${revoked.id} is revoked (at ${revoked.revokedAt ?? '?'} by ${revoked.revokedBy ?? '?'}).\n`;
  io.stdout.write(o.format === 'json' ? `${toJson(revoked)}\n` : text);
  return exitCodes.ok;
}

export async function changeRoleCommand(
  io: Io,
  change: 'grant' | 'revoke',
  o: AdminFlags & { user: string; role: string; model?: string },
): Promise<number> {
  await withCliRegistry(o, 'database', (registry) =>
    registry.changeRole({
      change,
      userId: o.user,
      role: o.role,
      ...(o.model === undefined ? {} : { model: o.model }),
    }),
  );
  // The state, not the change: a repeat (role already held, or not held) changes nothing.
  const where = o.model ? ` on ${o.model}` : ' globally';
  io.stdout.write(
    `User ${o.user} ${change === 'grant' ? 'holds' : 'does not hold'} role ${o.role}${where}.\n`,
  );
  return exitCodes.ok;
}

/** Idempotent: an account already so is printed as it is. */
export async function setUserDisabledCommand(
  io: Io,
  change: 'disable' | 'enable',
  o: AdminFlags & { user: string },
): Promise<number> {
  const user = await withCliRegistry(o, 'database', (registry) =>
    registry.setUserDisabled({ userId: o.user, disabled: change === 'disable' }),
  );
  const text =
    user.disabledAt === undefined
      ? `Enabled user ${user.id}.\n`
      : `Disabled user ${user.id} at ${user.disabledAt}: its tokens and sign-ins are refused.\n`;
  io.stdout.write(o.format === 'json' ? `${toJson(user)}\n` : text);
  return exitCodes.ok;
}

/** Runs on the database only: there is no admin yet to hold a token. */
export async function bootstrapCommand(
  io: Io,
  o: DatabaseFlags & { user: string; format?: string },
): Promise<number> {
  const registry = await openRegistryAt(o, { create: true });
  const { token } = await bootstrapAdmin(registry.deps, { userId: o.user }).finally(() =>
    registry.close(),
  );
  io.stdout.write(renderToken(token, o.format));
  return exitCodes.ok;
}

export async function createUserCommand(
  io: Io,
  o: AdminFlags & { user: string; displayName?: string; team?: string },
): Promise<number> {
  const user = await withCliRegistry(o, 'database', (registry) =>
    registry.createUser({
      id: o.user,
      ...(o.displayName === undefined ? {} : { displayName: o.displayName }),
      ...(o.team === undefined ? {} : { team: o.team }),
    }),
  );
  io.stdout.write(o.format === 'json' ? `${toJson(user)}\n` : `Created user ${user.id}.\n`);
  return exitCodes.ok;
}

/** What the server prints on a first start, when the registry has no users yet. */
export const bootstrapHint =
  'No users yet. Create the first admin and its API token with:\n  npx clearance admin bootstrap --user <your-id> [--database <url>]\n';
