import { expect, it } from 'vitest';
import type { AuditPageFilter, Store } from '../../src/app/shared/ports.js';
import {
  encodeEntry,
  entryLeafHash,
  hashSize,
  packStoredRows,
  perfectCover,
  rootFromLeafHashes,
} from '../../src/audit/index.js';
import type { ClearanceError } from '../../src/domain/index.js';
import { watchStatements } from '../../src/store/index.js';
import { auditInput, later, model, policy, unique } from './fixtures.js';
import { errorOf } from './store-contract.js';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

function hex(bytes: Uint8Array | undefined): string {
  return bytes === undefined ? 'missing' : Buffer.from(bytes).toString('hex');
}

export function auditContract(store: () => Store): void {
  it('appends entries at the next seq with their leaf hash', async () => {
    const subject = unique('audit');
    const { before, entries } = await store().transaction(async (tx) => {
      const size = await tx.audit.size();
      const first = await tx.audit.append(auditInput(subject));
      const second = await tx.audit.append({ ...auditInput(subject), ticket: 'RISK-1' });
      return { before: size, entries: [first, second] };
    });
    expect(entries.map((e) => e.seq)).toStrictEqual([before, before + 1]);
    expect(entries[0]).toStrictEqual({ ...auditInput(subject), seq: before });
    const read = await store().transaction(async (tx) => ({
      size: await tx.audit.size(),
      logged: await collect(tx.audit.entries(before, before + 2)),
      leaves: await tx.audit.leafHashes(before, before + 2),
    }));
    expect(read.size).toBeGreaterThanOrEqual(before + 2);
    expect(read.logged.map((l) => l.entry)).toStrictEqual(entries);
    for (const [index, entry] of entries.entries()) {
      const leaf = hex(entryLeafHash(entry));
      expect(hex(read.logged[index]?.leafHash)).toBe(leaf);
      expect(hex(read.leaves[index])).toBe(leaf);
    }
    // The same rows as stored, in one statement outside a transaction: the seq as a number, the
    // RFC 8785 text the leaf hash was computed over, the hex leaf hash.
    const rows = await store().readOne((tx) => tx.audit.storedRows(before, before + 2));
    expect(rows).toStrictEqual(
      entries.map((entry) => ({
        seq: entry.seq,
        text: Buffer.from(encodeEntry(entry)).toString(),
        leafHash: hex(entryLeafHash(entry)),
      })),
    );
  });

  it('stores the RFC 8785 text and leaf of entries with non-ASCII text and keys named seq', async () => {
    const subject = unique('text');
    const tricky = [
      {
        ...auditInput(subject),
        data: { seq: 0, note: '"seq":0, naïve café 日本 🚀', n: { seq: 1 } },
      },
      { ...auditInput(subject), reason: 'line\nbreak \u2028 and "quotes" \\ slash', data: {} },
    ];
    const entries = await store().transaction(async (tx) => {
      const out = [];
      for (const input of tricky) out.push(await tx.audit.append(input));
      return out;
    });
    const first = entries[0]?.seq ?? -1;
    const rows = await store().readOne((tx) => tx.audit.storedRows(first, first + entries.length));
    expect(rows).toStrictEqual(
      entries.map((entry) => ({
        seq: entry.seq,
        text: Buffer.from(encodeEntry(entry)).toString(),
        leafHash: hex(entryLeafHash(entry)),
      })),
    );
    expect(entries.map(({ seq: _seq, ...input }) => input)).toStrictEqual(tricky);
  });

  it('packs a page of stored rows as the rows say, in seq order', async () => {
    const subject = unique('audit');
    const { before, count } = await store().transaction(async (tx) => {
      const size = await tx.audit.size();
      for (let k = 0; k < 3; k++)
        await tx.audit.append({ ...auditInput(subject), ticket: `T-${k}` });
      return { before: size, count: 3 };
    });
    const [rows, page, empty] = await Promise.all([
      store().readOne((tx) => tx.audit.storedRows(before, before + count)),
      store().readOne((tx) => tx.audit.storedPage(before, before + count)),
      store().readOne((tx) => tx.audit.storedPage(before + 1000, before + 1001)),
    ]);
    expect(rows).toHaveLength(count);
    expect(page).toStrictEqual(packStoredRows(rows));
    expect(page.seqs).toBe([before, before + 1, before + 2].join(','));
    expect(empty).toStrictEqual({ seqs: '', texts: '', leafHashes: '' });
  });

  it('pages the log filtered by model, actor, action and time, either way', async () => {
    const m = unique('model');
    const actor = unique('actor');
    const inputs = [
      { ...auditInput(m, 'model.registered'), time: '2026-03-01T10:00:00.000Z' },
      {
        ...auditInput('r1', 'approval.recorded'),
        subject: { type: 'request', id: unique('req') },
        data: { model: m },
        actor: { id: actor, kind: 'user' as const },
        time: '2026-03-02T10:00:00.000Z',
      },
      {
        ...auditInput('x', 'version.registered'),
        subject: { type: 'version', id: `${m}@1` },
        time: '2026-03-03T10:00:00.000Z',
      },
      { ...auditInput(unique('other'), 'model.registered'), time: '2026-03-03T11:00:00.000Z' },
      {
        ...auditInput('y', 'approval.recorded'),
        subject: { type: 'version', id: `${m}@2` },
        actor: { id: actor, kind: 'user' as const },
        time: '2026-03-04T10:00:00.000Z',
      },
    ];
    const seqs = await store().transaction(async (tx) => {
      const out: number[] = [];
      for (const input of inputs) out.push((await tx.audit.append(input)).seq);
      return out;
    });
    const page = (filter: Omit<AuditPageFilter, 'limit'> & { limit?: number }) =>
      store().read(async (tx) =>
        (await tx.audit.page({ limit: 100, ...filter })).map((l) => l.entry.seq),
      );
    const [s0, s1, s2, s3, s4] = seqs as [number, number, number, number, number];
    expect(await page({ model: m })).toStrictEqual([s0, s1, s2, s4]);
    expect(await page({ model: m, before: s4 })).toStrictEqual([s2, s1, s0]);
    expect(await page({ model: m, from: s1, limit: 2 })).toStrictEqual([s1, s2]);
    expect(await page({ actor })).toStrictEqual([s1, s4]);
    expect(await page({ actor, action: 'approval.recorded', model: m })).toStrictEqual([s1, s4]);
    expect(
      await page({
        from: s0,
        since: '2026-03-02T10:00:00.000Z',
        until: '2026-03-04T10:00:00.000Z',
      }),
    ).toStrictEqual([s1, s2, s3]);
    expect(await page({ model: unique('none') })).toStrictEqual([]);
    const logged = await store().read((tx) => tx.audit.page({ model: m, limit: 1 }));
    expect(hex(logged[0]?.leafHash)).toBe(hex(entryLeafHash(logged[0]?.entry as never)));
  });

  it('streams the whole log in seq order across pages', async () => {
    await store().transaction(async (tx) => {
      for (let i = 0; i < 1005; i += 1) await tx.audit.append(auditInput(unique('bulk')));
    });
    const { size, seqs, leaves } = await store().transaction(async (tx) => {
      const n = await tx.audit.size();
      const logged = await collect(tx.audit.entries(0, n));
      return {
        size: n,
        seqs: logged.map((l) => l.entry.seq),
        leaves: await tx.audit.leafHashes(0, n),
      };
    });
    expect(seqs).toStrictEqual(Array.from({ length: size }, (_, i) => i));
    expect(leaves).toHaveLength(size);
    expect(leaves.every((leaf) => leaf.length === hashSize)).toBe(true);
  });

  it('stores each perfect subtree of the Merkle tree as its last leaf is appended', async () => {
    await store().transaction(async (tx) => {
      for (let i = 0; i < 37; i += 1) await tx.audit.append(auditInput(unique('tree')));
    });
    const { leaves, perSize } = await store().transaction(async (tx) => {
      const n = await tx.audit.size();
      const all = await tx.audit.leafHashes(0, n);
      // The compact range of every size up to n, read from stored nodes.
      const ranges = [];
      for (let size = 1; size <= n; size += 1) {
        ranges.push(await tx.audit.treeNodes(perfectCover({ start: 0, end: size })));
      }
      return { leaves: all, perSize: ranges };
    });
    perSize.forEach((nodes, k) => {
      const cover = perfectCover({ start: 0, end: k + 1 });
      // Each stored node is the RFC 9162 hash of the leaves it spans, computed independently.
      cover.forEach((id, j) => {
        const span = 2 ** id.level;
        const expected = rootFromLeafHashes(leaves.slice(id.index * span, (id.index + 1) * span));
        expect(hex(nodes[j])).toBe(hex(expected));
      });
    });
    const beyond = perfectCover({ start: 0, end: 2 ** Math.ceil(Math.log2(leaves.length + 1)) });
    const error = await errorOf(store().transaction((tx) => tx.audit.treeNodes(beyond)));
    expect((error as ClearanceError).code).toBe('audit_unavailable');
  });

  it('appends asked for together in one transaction in the order asked, every node stored', async () => {
    // Use cases send independent writes together (ADR 049), two appends among them: appended
    // statement by statement (SQLite), each must see the head and nodes the one before wrote.
    const before = await store().transaction((tx) => tx.audit.size());
    const subjects = Array.from({ length: 37 }, () => unique('together'));
    const sent: string[] = [];
    const stop = watchStatements((text) => sent.push(text));
    const appended = await store()
      .transaction((tx) => Promise.all(subjects.map((id) => tx.audit.append(auditInput(id)))))
      .finally(stop);
    expect(appended.map((e) => e.seq)).toStrictEqual(subjects.map((_, k) => before + k));
    // Each found the nodes the appends before it stored: none was recomputed from its leaves
    // (the way for entries of a server older than migration 0005).
    expect(sent.filter((t) => /select "seq", "leaf_hash" from "audit_entries"/.test(t))).toEqual(
      [],
    );
    const { logged, nodes, leaves } = await store().transaction(async (tx) => {
      const size = await tx.audit.size();
      return {
        logged: await collect(tx.audit.entries(before, size)),
        leaves: await tx.audit.leafHashes(0, size),
        nodes: await tx.audit.treeNodes(perfectCover({ start: 0, end: size })),
      };
    });
    expect(logged.map((l) => l.entry.subject.id)).toStrictEqual(subjects);
    for (const l of logged) expect(hex(l.leafHash)).toBe(hex(entryLeafHash(l.entry)));
    // The stored nodes covering the whole log are the RFC 9162 hashes of the leaves they span.
    perfectCover({ start: 0, end: leaves.length }).forEach((id, j) => {
      const span = 2 ** id.level;
      const expected = rootFromLeafHashes(leaves.slice(id.index * span, (id.index + 1) * span));
      expect(hex(nodes[j])).toBe(hex(expected));
    });
  });

  it('holds appends while a transaction has the log head locked', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked = () => {};
    const lockedYet = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const order: string[] = [];
    const signer = store().transaction(async (tx) => {
      await tx.audit.size({ forUpdate: true });
      locked();
      await held;
      order.push('signer done');
    });
    await lockedYet;
    const appender = store()
      .transaction((tx) => tx.audit.append(auditInput(unique('waits'))))
      .then(() => order.push('append done'));
    await new Promise((resolve) => setTimeout(resolve, 150));
    order.push('released');
    release();
    await Promise.all([signer, appender]);
    expect(order).toEqual(['released', 'signer done', 'append done']);
  });

  it('rolls back everything, the audit entry included, when work throws', async () => {
    const p = policy();
    const m = model(p.digest);
    const before = await store().transaction((tx) => tx.audit.size());
    const failure = new Error('work failed after writing');
    const error = await errorOf(
      store().transaction(async (tx) => {
        await tx.policies.insert(p);
        await tx.models.insert(m);
        await tx.audit.append(auditInput(m.name));
        throw failure;
      }),
    );
    expect(error).toBe(failure);
    const after = await store().transaction(async (tx) => ({
      model: await tx.models.get(m.name),
      policy: await tx.policies.get(p.digest),
      size: await tx.audit.size(),
    }));
    expect(after).toStrictEqual({ model: undefined, policy: undefined, size: before });
  });

  it('refuses a malformed audit entry and writes nothing', async () => {
    const before = await store().transaction((tx) => tx.audit.size());
    const error = await errorOf(
      store().transaction((tx) => tx.audit.append({ ...auditInput('x'), action: 'Bad Action' })),
    );
    expect((error as ClearanceError).code).toBe('invalid_input');
    expect(await store().transaction((tx) => tx.audit.size())).toBe(before);
  });

  it('never lets a transaction see another one’s uncommitted writes', async () => {
    const p = policy();
    const seen: unknown[] = [];
    const writer = store().transaction(async (tx) => {
      await tx.policies.insert(p);
      await new Promise((resolve) => setTimeout(resolve, 50));
      throw new Error('abandon');
    });
    const reader = store().transaction(async (tx) => {
      seen.push(await tx.policies.get(p.digest));
    });
    await Promise.allSettled([writer, reader]);
    expect(seen).toStrictEqual([undefined]);
  });

  it('keeps seq contiguous under 50 concurrent appending transactions', async () => {
    const before = await store().transaction((tx) => tx.audit.size());
    const entries = await Promise.all(
      Array.from({ length: 50 }, () =>
        store().transaction((tx) => tx.audit.append(auditInput(unique('race')))),
      ),
    );
    const seqs = entries.map((e) => e.seq).sort((a, b) => a - b);
    expect(seqs).toStrictEqual(Array.from({ length: 50 }, (_, i) => before + i));
    const stored = await store().transaction(async (tx) => ({
      size: await tx.audit.size(),
      logged: await collect(tx.audit.entries(before, before + 50)),
    }));
    expect(stored.size).toBe(before + 50);
    expect(stored.logged.map((l) => l.entry.seq)).toStrictEqual(seqs);
  });

  it('reads the entries with given actions in seq order', async () => {
    const tag = `contract.k${Date.now()}${Math.floor(Math.random() * 1e6)}`;
    const [promoted, rolledBack, other] = [`${tag}.promoted`, `${tag}.rolled_back`, `${tag}.other`];
    const written = await store().transaction(async (tx) => {
      const out: number[] = [];
      for (const action of [promoted, other, rolledBack, promoted, other]) {
        out.push((await tx.audit.append(auditInput(unique('act'), action))).seq);
      }
      return out;
    });
    const found = await store().transaction(async (tx) =>
      collect(tx.audit.withActions([promoted, rolledBack])),
    );
    expect(found.map((e) => e.seq)).toStrictEqual([written[0], written[2], written[3]]);
    expect(found.map((e) => e.action)).toStrictEqual([promoted, rolledBack, promoted]);
    const none = await store().transaction(async (tx) => collect(tx.audit.withActions([])));
    expect(none).toStrictEqual([]);
  });

  it('reads the entries about one subject with given actions, in seq order', async () => {
    const [subject, other] = [unique('about'), unique('about-other')];
    const written = await store().transaction(async (tx) => {
      const out: number[] = [];
      for (const [id, action] of [
        [subject, 'approval.recorded'],
        [other, 'approval.recorded'],
        [subject, 'transition.requested'],
        [subject, 'approval.recorded'],
      ] as const) {
        out.push((await tx.audit.append(auditInput(id, action))).seq);
      }
      return out;
    });
    const found = await store().transaction((tx) =>
      tx.audit.aboutSubject({ type: 'model', id: subject }, ['approval.recorded']),
    );
    expect(found.map((e) => e.seq)).toStrictEqual([written[0], written[3]]);
    expect(found.every((e) => e.subject.id === subject)).toBe(true);
    const wrongType = await store().transaction((tx) =>
      tx.audit.aboutSubject({ type: 'request', id: subject }, ['approval.recorded']),
    );
    expect(wrongType).toStrictEqual([]);
    const none = await store().transaction((tx) =>
      tx.audit.aboutSubject({ type: 'model', id: subject }, []),
    );
    expect(none).toStrictEqual([]);
  });

  it('stores checkpoints once per size and returns the latest', async () => {
    const base = 1_000_000_000 + Math.floor(Math.random() * 1_000_000);
    const checkpoint = (size: number) => ({
      size,
      rootHash: new Uint8Array(hashSize).fill(size % 251),
      note: `clearance/test\n${size}\nAAAA\n\n— clearance/test sig\n`,
      createdAt: later,
    });
    await store().transaction(async (tx) => {
      await tx.checkpoints.insert(checkpoint(base + 2));
      await tx.checkpoints.insert(checkpoint(base + 1));
    });
    const read = await store().transaction(async (tx) => ({
      latest: await tx.checkpoints.latest(),
      list: await tx.checkpoints.list(),
    }));
    expect(read.latest).toStrictEqual(checkpoint(base + 2));
    const mine = read.list.filter((c) => c.size >= base);
    expect(mine).toStrictEqual([checkpoint(base + 1), checkpoint(base + 2)]);
    const error = await errorOf(
      store().transaction((tx) => tx.checkpoints.insert(checkpoint(base + 1))),
    );
    expect((error as ClearanceError).code).toBe('conflict');
  });
}
