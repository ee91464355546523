/**
 * A unique violation the repositories did not name themselves still reaches clients in our words:
 * which kind of record conflicted, never the driver's text (constraint names, key values).
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { isClearanceError } from '../../src/domain/index.js';
import { storeOn } from '../../src/store/index.js';
import { eachEngine } from './engines.js';

eachEngine('conflict messages', (engine) => {
  it('names the record kind and keeps the driver’s message out of the refusal', async () => {
    await engine.openStore(); // migrates this file's database
    const dialect = engine.openDialect();
    // The work runs on the dialect's own connection, so a raw statement fails as the driver does.
    const store = storeOn({ ...dialect, writeTransaction: (work) => work(dialect.db) });
    const insert = () =>
      store.transaction(async () => {
        await sql`insert into users (id, display_name, created_at) values (${'key-value-7f3a'}, ${'x'}, ${'2026-01-01T00:00:00.000Z'})`.execute(
          dialect.db,
        );
      });
    await insert();
    const error = await insert().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isClearanceError(error) && error.code).toBe('conflict');
    const message = (error as Error).message;
    expect(message).toBe('Another user with the same key already exists.');
    expect(message).not.toMatch(/key-value-7f3a|UNIQUE|duplicate|constraint/i);
    // The driver's text stays available to the server log.
    expect(String((error as { cause?: unknown }).cause)).toMatch(/UNIQUE|duplicate/i);
  });
});
