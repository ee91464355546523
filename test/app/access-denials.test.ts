/**
 * `access.denied` entries are bounded (docs/reference/audit.md, "Aggregated denials"): per caller,
 * action and subject one entry per window, the rest counted; per caller at most `perPrincipal`
 * subjects audited one by one, the rest counted into one summary. Every denial is accounted for:
 * the entries written plus their `suppressed` counts equal the denials made.
 */
import { expect, it } from 'vitest';
import {
  accessDenialThrottle,
  bindUseCases,
  flushAccessDenials,
  guarded,
} from '../../src/app/index.js';
import { forbidden } from '../../src/app/shared/authorise.js';
import type { AuditEntry } from '../../src/audit/index.js';
import { forEachStore, person, type StoreHarness } from './harness.js';

const windowMs = 60_000;
const nobody = person('nobody');

async function deniedEntries(h: StoreHarness): Promise<AuditEntry[]> {
  return h.deps.store.read(async (tx) => {
    const out: AuditEntry[] = [];
    for await (const { entry } of tx.audit.entries(0, await tx.audit.size())) {
      if (entry.action === 'access.denied') out.push(entry);
    }
    return out;
  });
}

/** Denials the entries account for: one per denial entry, plus what each says it suppressed. */
function accountedFor(entries: AuditEntry[]): number {
  return entries.reduce(
    (sum, e) => sum + (e.data.summary === true ? 0 : 1) + Number(e.data.suppressed ?? 0),
    0,
  );
}

forEachStore('aggregated access.denied entries', (open) => {
  async function setUp() {
    const h = await open();
    const deps = { ...h.deps, denials: accessDenialThrottle({ windowMs, perPrincipal: 5 }) };
    return { h, deps, useCases: bindUseCases(deps) };
  }

  it('writes one entry per window for 300 identical denials and counts the rest', async () => {
    const { h, deps, useCases } = await setUp();
    for (let i = 0; i < 300; i++) {
      await expect(useCases.listModels(nobody)).rejects.toMatchObject({ code: 'forbidden' });
      h.clock.advance(100);
    }
    // 300 denials over 30 s: one window, one entry so far.
    expect((await deniedEntries(h)).length).toBe(1);
    h.clock.advance(windowMs);
    expect(await flushAccessDenials(deps)).toBe(1);
    const entries = await deniedEntries(h);
    expect(entries.length).toBe(2);
    expect(entries[1]?.data).toMatchObject({
      attempted: 'model.list',
      summary: true,
      suppressed: 299,
    });
    expect(entries[1]?.actor.id).toBe('nobody');
    expect(accountedFor(entries)).toBe(300);
  });

  it('carries the suppressed count on the next denial after the window', async () => {
    const { h, useCases } = await setUp();
    for (let i = 0; i < 4; i++) {
      await expect(useCases.listModels(nobody)).rejects.toMatchObject({ code: 'forbidden' });
    }
    h.clock.advance(windowMs);
    await expect(useCases.listModels(nobody)).rejects.toMatchObject({ code: 'forbidden' });
    const entries = await deniedEntries(h);
    expect(entries.map((e) => e.data.suppressed)).toEqual([undefined, 3]);
    expect(accountedFor(entries)).toBe(5);
  });

  it('bounds a caller probing many subjects and counts the overflow by action', async () => {
    const { h, deps } = await setUp();
    for (let i = 0; i < 200; i++) {
      const context = {
        actor: nobody,
        action: 'version.register',
        subject: { type: 'model', id: `m-${i}` },
      };
      const refuse = async () => {
        throw forbidden('nobody may not register versions.', 'Ask an admin.');
      };
      await expect(guarded(deps, context, refuse)).rejects.toMatchObject({ code: 'forbidden' });
    }
    expect((await deniedEntries(h)).length).toBe(5);
    h.clock.advance(windowMs);
    await flushAccessDenials(deps);
    const entries = await deniedEntries(h);
    expect(entries.length).toBe(6);
    expect(entries[5]).toMatchObject({
      subject: { type: 'principal', id: 'nobody' },
      data: { attempted: 'various', suppressed: 195, byAction: { 'version.register': 195 } },
    });
    expect(accountedFor(entries)).toBe(200);
  });

  it('writes every pending count at shutdown', async () => {
    const { h, deps, useCases } = await setUp();
    for (let i = 0; i < 3; i++) {
      await expect(useCases.listModels(nobody)).rejects.toMatchObject({ code: 'forbidden' });
    }
    expect(await flushAccessDenials(deps)).toBe(0);
    expect(await flushAccessDenials(deps, { all: true })).toBe(1);
    expect(accountedFor(await deniedEntries(h))).toBe(3);
  });
});
