/**
 * Commands are declared cheaply and load their code on use (Backstage's
 * `.action(lazy(() => import('./…')))`), so `clearance --version` or `clearance check` never
 * pays for Fastify, Kysely or PostgreSQL. Declaration modules import only commander and this.
 */
import type { Command } from 'commander';

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export type SetExit = (code: number) => void;

/** What an action module exports: runs the command and returns its exit code. */
export type CommandRun<A extends unknown[]> = (io: Io, ...args: A) => Promise<number>;

/** A commander action that imports its module when the command runs, then sets the exit code. */
export function lazy<A extends unknown[]>(
  context: { io: Io; setExit: SetExit },
  load: () => Promise<CommandRun<A>>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const run = await load();
    context.setExit(await run(context.io, ...args));
  };
}

export const formatChoices = ['text', 'json'] as const;

/** What every `declare…Commands` receives. */
export interface CommandContext {
  program: Command;
  io: Io;
  setExit: SetExit;
}
