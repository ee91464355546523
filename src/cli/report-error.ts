import { randomUUID } from 'node:crypto';
import { formatProblem, isClearanceError } from '../domain/index.js';
import { exitCodeFor, exitCodes } from './exit-codes.js';

/** What Node attaches to a failed file or socket call (`fs`, `net`). */
interface SystemError extends Error {
  code: string;
  syscall?: string;
  path?: string;
  address?: string;
  port?: number;
}

function isSystemError(error: unknown): error is SystemError {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
}

const verbs: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  scandir: 'list the directory',
  opendir: 'list the directory',
  mkdir: 'create the directory',
  stat: 'find',
  lstat: 'find',
  access: 'find',
  copyfile: 'copy',
  rename: 'rename',
  unlink: 'remove',
};

/**
 * One line for a failed file or port call, naming the file or port and the fix; undefined for
 * anything that is not such a failure (then it is a bug).
 */
function describeSystemError(error: unknown): string | undefined {
  if (!isSystemError(error)) return undefined;
  if (error.syscall === 'listen' || error.syscall === 'bind') {
    // Node leaves the port out when it is 0 (any free one): then the address alone.
    const host = error.address ?? 'the host';
    const where = error.port === undefined ? host : `${host}:${error.port}`;
    switch (error.code) {
      case 'EADDRINUSE':
        return `port ${where} is already in use. Stop what listens there, or start on another port with --port N (0 picks a free one).`;
      case 'EACCES':
      case 'EPERM':
        return `not allowed to listen on ${where}: ports below 1024 need privileges. Use --port 1024 or above.`;
      case 'EADDRNOTAVAIL':
        return `cannot listen on ${where}: the address is not one of this machine's. Use --host 127.0.0.1 or an address of this machine.`;
      default:
        return undefined;
    }
  }
  if (error.path === undefined) return undefined;
  const cannot = `cannot ${verbs[error.syscall ?? ''] ?? 'open'} ${error.path}`;
  switch (error.code) {
    case 'ENOENT':
      return `${cannot}: no such file or directory. Check the path (relative paths start at ${process.cwd()}).`;
    case 'EACCES':
    case 'EPERM':
      return `${cannot}: permission denied. Give the user running clearance access to it, or use another path.`;
    case 'EISDIR':
      return `${cannot}: it is a directory. Pass a file.`;
    case 'ENOTDIR':
      return `${cannot}: a part of the path is a file, not a directory. Check the path.`;
    case 'EEXIST':
      return `${cannot}: it already exists. Remove it or choose another path.`;
    case 'ENOSPC':
      return `${cannot}: no space left on the device. Free some space and run again.`;
    default:
      return undefined;
  }
}

/**
 * A database or server that cannot be reached (a refused or unresolvable `connect`), anywhere in
 * the cause chain (the store wraps it): bad input, not a bug.
 */
function describeUnreachable(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    if (isSystemError(e)) {
      const where =
        e.port === undefined ? (e as { hostname?: string }).hostname : `${e.address}:${e.port}`;
      if (e.code === 'ECONNREFUSED' && e.syscall === 'connect')
        return `cannot connect to ${where}: connection refused. Start the database or server there, or fix the address in --database (or --server).`;
      if (e.code === 'ENOTFOUND' && e.syscall === 'getaddrinfo')
        return `cannot connect to ${where}: no such host. Fix the host name in --database (or --server).`;
    }
    e = e.cause;
  }
  return undefined;
}

/**
 * Prints an error the way a person can act on it, once, and returns the exit code. A file or
 * port that cannot be used is bad input (exit 2, one line); anything else unexpected is a bug
 * (exit 3, with an id), whose stack trace is printed only with `debug`.
 */
export function reportError(
  error: unknown,
  stderr: NodeJS.WritableStream = process.stderr,
  debug = false,
): number {
  if (isClearanceError(error)) {
    const [only, ...more] = error.problems;
    const line = only === undefined ? undefined : formatProblem(only);
    if (line !== undefined && more.length === 0 && line.includes(error.message)) {
      // The usual single refusal whose problem repeats the message: said once, with its fix.
      stderr.write(`error: ${line}\n`);
    } else if (line !== undefined && more.length === 0 && only?.location === undefined) {
      stderr.write(`error: ${error.message} ${line}\n`);
    } else {
      stderr.write(`error: ${error.message}\n`);
      for (const problem of error.problems) stderr.write(`  - ${formatProblem(problem)}\n`);
    }
    if (debug && error.stack) stderr.write(`${error.stack}\n`);
    return exitCodeFor(error.code);
  }
  const system = describeSystemError(error) ?? describeUnreachable(error);
  if (system !== undefined) {
    stderr.write(`error: ${system}\n`);
    if (debug && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
    return exitCodes.badInput;
  }
  // A bug: say so plainly, with an id to find it in logs, without internals on stdout.
  const id = randomUUID().slice(0, 8);
  stderr.write(`internal error ${id}: ${error instanceof Error ? error.message : String(error)}\n`);
  if (debug && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
  else stderr.write('Run again with --debug for the stack trace, and report it with this id.\n');
  return exitCodes.internal;
}
