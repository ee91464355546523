/**
 * Statements a use case sends together inside its transaction (ADR 049). On PostgreSQL write
 * transactions run on a pipelined connection: statements asked for before the first answer
 * arrives go out together, one round trip for all of them, and the server runs them in the order
 * they were asked for. On SQLite they run one after another as before.
 *
 * Only independent statements go together: none reads what another of them writes. What a use
 * case judges still comes in the order it is judged in, so its refusals keep their order.
 */

/**
 * `statement`, started now and awaited later. If the use case refuses something first (throws
 * before awaiting it), its transaction is rolled back and whatever it answers no longer
 * matters, so its failure is not reported as unhandled; awaited, it fails as it would have.
 */
export function startedEarly<T>(statement: Promise<T>): Promise<T> {
  statement.catch(() => undefined);
  return statement;
}

/**
 * The answers of statements started together, awaited in the order they are listed: the first
 * listed that fails is the error, as if they had run one after another (`Promise.all` would
 * report whichever failed first in time, and a refusal could change with the timing).
 */
export async function together<T extends readonly unknown[] | []>(
  statements: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  for (const statement of statements) startedEarly(Promise.resolve(statement));
  const answers: unknown[] = [];
  for (const statement of statements) answers.push(await statement);
  // The answers are the statements' own, position by position.
  return answers as { -readonly [K in keyof T]: Awaited<T[K]> };
}
