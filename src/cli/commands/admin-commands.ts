/**
 * `clearance admin …`: identity administration for operators who hold the database itself (first
 * start, lost admin token), acting as the operator `system:cli` so the audit log records operator
 * actions rather than any user's; `bootstrap` runs as `system:bootstrap`. Except for `bootstrap`,
 * each also goes through a server's API with `--server` as an admin's token.
 */
import { type Command, Option } from 'commander';
import { type CommandContext, formatChoices, lazy } from '../lazy.js';
import { registryOptions } from '../registry/select-registry.js';

const formatOption = () =>
  new Option('--format <format>', 'output format').choices(formatChoices).default('text');

const actions = () => import('./admin-actions.js');

function adminOptions(command: Command): Command {
  return registryOptions(command, 'database').addOption(formatOption());
}

function declareTokenCommands(admin: Command, context: CommandContext): void {
  const token = admin.command('token').description('create or revoke API tokens');
  adminOptions(
    token
      .command('create')
      .description('create an API token for a user and print it once')
      .requiredOption('--user <id>', 'the user the token acts as')
      .option('--expires <when>', 'a duration (30d, 12h) or an RFC 3339 instant')
      .option('--description <text>', 'what the token is for'),
  ).action(lazy(context, async () => (await actions()).createTokenCommand));
  adminOptions(
    token
      .command('revoke')
      .description('revoke an API token at once')
      .requiredOption('--id <id>', 'token id'),
  ).action(lazy(context, async () => (await actions()).revokeTokenCommand));
}

function declareRoleCommands(admin: Command, context: CommandContext): void {
  const role = admin.command('role').description('grant or revoke roles');
  for (const change of ['grant', 'revoke'] as const) {
    adminOptions(
      role
        .command(change)
        .description(`${change} a role, globally or on one model`)
        .requiredOption('--user <id>', 'the user')
        .requiredOption('--role <role>', 'e.g. model_owner, risk_officer, admin, auditor')
        .option('--model <name>', 'only on this model (default: global)'),
    ).action(
      lazy(context, async () => {
        const { changeRoleCommand } = await actions();
        return (io, o: Parameters<typeof changeRoleCommand>[2]) => changeRoleCommand(io, change, o);
      }),
    );
  }
}

export function declareAdminCommands(context: CommandContext): void {
  const admin = context.program
    .command('admin')
    .description('administer users, roles and tokens directly on the database (operators)');

  admin
    .command('bootstrap')
    .description('create the first admin and print its API token once; refused once users exist')
    .option('--user <id>', 'the first admin’s user id', 'admin')
    .option('--database <url>', 'sqlite:<file> or postgres:// URL (default: from config)')
    .option('--data-dir <dir>', 'data directory (default: from config)')
    .addOption(formatOption())
    .action(lazy(context, async () => (await actions()).bootstrapCommand));

  const user = admin.command('user').description('create, disable or enable users');
  adminOptions(
    user
      .command('create')
      .description('create a user (then grant roles and create tokens)')
      .requiredOption('--user <id>', 'the user id (as principals and audit entries name it)')
      .option('--display-name <name>', 'a readable name')
      .option('--team <team>', 'the user’s team'),
  ).action(lazy(context, async () => (await actions()).createUserCommand));
  for (const change of ['disable', 'enable'] as const) {
    adminOptions(
      user
        .command(change)
        .description(
          change === 'disable'
            ? 'disable a user’s account: every token and OIDC sign-in refused at once (offboarding)'
            : 'enable a disabled account again',
        )
        .requiredOption('--user <id>', 'the user'),
    ).action(
      lazy(context, async () => {
        const { setUserDisabledCommand } = await actions();
        return (io, o: Parameters<typeof setUserDisabledCommand>[2]) =>
          setUserDisabledCommand(io, change, o);
      }),
    );
  }

  declareTokenCommands(admin, context);
  declareRoleCommands(admin, context);
}
