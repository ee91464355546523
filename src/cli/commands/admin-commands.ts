/**
 * `clearance admin …`: identity administration straight on the database, for operators who hold
 * the database itself (first start, lost admin token). These run as the system actor
 * `system:cli` (bootstrap as `system:bootstrap`), so the audit log records them as operator
 * actions rather than as any user's.
 */
import { type Command, Option } from 'commander';
import {
  bootstrapAdmin,
  type CreatedToken,
  createToken,
  createUser,
  grantRole,
  revokeRole,
  revokeToken,
} from '../../app/index.js';
import { openRegistry, type Registry } from '../../compose.js';
import { loadConfig } from '../../config.js';
import {
  ClearanceError,
  formatDuration,
  type Principal,
  parseDuration,
} from '../../domain/index.js';
import { toJson } from '../check-report.js';
import { exitCodes } from '../exit-codes.js';

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

interface DatabaseFlags {
  database?: string;
  dataDir?: string;
  format?: string;
}

/** The operator at the database: acts as a global admin, recorded as `system:cli`. */
const operator: Principal = { id: 'system:cli', kind: 'system', roles: [{ role: 'admin' }] };

async function withRegistry<T>(
  flags: DatabaseFlags,
  work: (r: Registry) => Promise<T>,
): Promise<T> {
  const registry = await openRegistry(
    loadConfig({ flags: { database: flags.database, dataDir: flags.dataDir } }),
  );
  try {
    return await work(registry);
  } finally {
    await registry.close();
  }
}

function databaseOptions(command: Command): Command {
  return command
    .option('--database <url>', 'sqlite:<file> or postgres:// URL (default: from config)')
    .option('--data-dir <dir>', 'data directory (default: from config)')
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'),
    );
}

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

function registerTokenCommands(admin: Command, io: Io, setExit: (code: number) => void): void {
  const token = admin.command('token').description('create or revoke API tokens');
  databaseOptions(
    token
      .command('create')
      .description('create an API token for a user and print it once')
      .requiredOption('--user <id>', 'the user the token acts as')
      .option('--expires <when>', 'a duration (30d, 12h) or an RFC 3339 instant')
      .option('--description <text>', 'what the token is for'),
  ).action(async (o: DatabaseFlags & { user: string; expires?: string; description?: string }) => {
    const created = await withRegistry(o, (r) =>
      createToken(r.deps, operator, {
        userId: o.user,
        description: o.description,
        expiresAt: expiryFrom(o.expires, r.deps.clock.now()),
      }),
    );
    io.stdout.write(renderToken(created, o.format));
    setExit(exitCodes.ok);
  });
  databaseOptions(
    token
      .command('revoke')
      .description('revoke an API token at once')
      .requiredOption('--id <id>', 'token id'),
  ).action(async (o: DatabaseFlags & { id: string }) => {
    const revoked = await withRegistry(o, (r) => revokeToken(r.deps, operator, { id: o.id }));
    io.stdout.write(
      o.format === 'json' ? `${toJson(revoked)}\n` : `Revoked API token ${revoked.id}.\n`,
    );
    setExit(exitCodes.ok);
  });
}

function registerRoleCommands(admin: Command, io: Io, setExit: (code: number) => void): void {
  const role = admin.command('role').description('grant or revoke roles');
  for (const change of ['grant', 'revoke'] as const) {
    databaseOptions(
      role
        .command(change)
        .description(`${change} a role, globally or on one model`)
        .requiredOption('--user <id>', 'the user')
        .requiredOption('--role <role>', 'e.g. model_owner, risk_officer, admin, auditor')
        .option('--model <name>', 'only on this model (default: global)'),
    ).action(async (o: DatabaseFlags & { user: string; role: string; model?: string }) => {
      const input = { userId: o.user, role: o.role, model: o.model };
      await withRegistry<unknown>(o, (r) =>
        change === 'grant'
          ? grantRole(r.deps, operator, input)
          : revokeRole(r.deps, operator, input),
      );
      const where = o.model ? ` on ${o.model}` : ' globally';
      io.stdout.write(
        `${change === 'grant' ? 'Granted' : 'Revoked'} ${o.role}${where} for ${o.user}.\n`,
      );
      setExit(exitCodes.ok);
    });
  }
}

export function registerAdminCommands(
  program: Command,
  io: Io,
  setExit: (code: number) => void,
): void {
  const admin = program
    .command('admin')
    .description('administer users, roles and tokens directly on the database (operators)');

  databaseOptions(
    admin
      .command('bootstrap')
      .description('create the first admin and print its API token once; refused once users exist')
      .option('--user <id>', 'the first admin’s user id', 'admin'),
  ).action(async (o: DatabaseFlags & { user: string }) => {
    const { token } = await withRegistry(o, (r) => bootstrapAdmin(r.deps, { userId: o.user }));
    io.stdout.write(renderToken(token, o.format));
    setExit(exitCodes.ok);
  });

  databaseOptions(
    admin
      .command('user')
      .description('create users')
      .command('create')
      .description('create a user (then grant roles and create tokens)')
      .requiredOption('--user <id>', 'the user id (as principals and audit entries name it)')
      .option('--display-name <name>', 'a readable name')
      .option('--team <team>', 'the user’s team'),
  ).action(async (o: DatabaseFlags & { user: string; displayName?: string; team?: string }) => {
    const user = await withRegistry(o, (r) =>
      createUser(r.deps, operator, { id: o.user, displayName: o.displayName, team: o.team }),
    );
    io.stdout.write(o.format === 'json' ? `${toJson(user)}\n` : `Created user ${user.id}.\n`);
    setExit(exitCodes.ok);
  });

  registerTokenCommands(admin, io, setExit);
  registerRoleCommands(admin, io, setExit);
}

/** What the server prints on a first start, when the registry has no users yet. */
export const bootstrapHint =
  'No users yet. Create the first admin and its API token with:\n  clearance admin bootstrap --user <your-id> [--database <url>]\n';
