import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { buildEvidencePack, type EvidencePack, signAuditCheckpoint } from '../../src/app/index.js';
import {
  type AuditEntry,
  entryLeafHash,
  parseVerifierKey,
  verifyCheckpoint,
  verifyInclusion,
} from '../../src/audit/index.js';
import { loadAuditSigner } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import type { Principal } from '../../src/domain/index.js';
import {
  forEachStore,
  people,
  person,
  promoteCreditRisk,
  readActions,
  refusal,
  type StoreHarness,
} from './harness.js';

const model = 'credit-risk-pd';
const ticket = 'RISK-9';
const auditor = person('ada.auditor', 'auditor');

async function promoted(open: () => Promise<StoreHarness>) {
  const h = await open();
  await promoteCreditRisk(h, {
    model,
    ticket,
    comments: {
      model_owner: 'Card <script>alert(1)</script> ok',
      risk_officer: 'Validated',
      compliance_officer: 'Fair-lending reviewed',
    },
  });
  return h;
}

function signer() {
  const dataDir = mkdtempSync(join(tmpdir(), 'clearance-pack-'));
  return loadAuditSigner(
    loadConfig({ flags: { dataDir, database: `sqlite:${join(dataDir, 'x.db')}` }, env: {} }),
  );
}

const text = (pack: EvidencePack, path: string) => {
  const found = pack.files.find((f) => f.path === path);
  if (!found) throw new Error(`no ${path} in the pack`);
  return new TextDecoder().decode(found.bytes);
};

forEachStore('evidence pack', (open) => {
  it('lists every file with a digest and size that match its bytes', async () => {
    const h = await promoted(open);
    const log = signer();
    await signAuditCheckpoint(h.deps, log);
    const pack = await buildEvidencePack(h.deps, auditor, { model, version: '2026.2', log });
    const paths = pack.files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'version.json',
        'decisions.json',
        'approvals.json',
        'requests.json',
        'audit/entries.jsonl',
        'audit/proofs.json',
        'audit/checkpoint.note',
        'audit/verifier-key.txt',
        'report.html',
        'manifest.json',
        'evidence/predictions.csv',
      ]),
    );
    expect(paths.some((p) => p.startsWith('policy/sha256-'))).toBe(true);
    const manifest = JSON.parse(text(pack, 'manifest.json'));
    expect(manifest).toEqual(JSON.parse(JSON.stringify(pack.manifest)));
    expect(manifest.files).toHaveLength(pack.files.length - 1);
    for (const listed of manifest.files) {
      const f = pack.files.find((x) => x.path === listed.path);
      const digest = `sha256:${createHash('sha256')
        .update(f?.bytes ?? new Uint8Array())
        .digest('hex')}`;
      expect(listed.sha256).toBe(digest);
      expect(listed.size).toBe(f?.bytes.length);
    }
    const version = JSON.parse(text(pack, 'version.json'));
    expect(version.lineage.seed).toBe(42);
    expect(JSON.parse(text(pack, 'approvals.json'))).toHaveLength(4); // tech lead + three
    expect((await readActions(h)).at(-1)).toBe('evidence_pack.exported');
  });

  it('proves every included audit entry against the signed checkpoint', async () => {
    const h = await promoted(open);
    const log = signer();
    await signAuditCheckpoint(h.deps, log);
    const pack = await buildEvidencePack(h.deps, auditor, { model, version: '2026.2', log });
    const opened = verifyCheckpoint(text(pack, 'audit/checkpoint.note'), [
      parseVerifierKey(text(pack, 'audit/verifier-key.txt').trim()),
    ]);
    if (!opened.ok) throw new Error(opened.reason);
    const entries = text(pack, 'audit/entries.jsonl')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditEntry);
    const proofs = JSON.parse(text(pack, 'audit/proofs.json')) as {
      seq: number;
      treeSize: number;
      proof: string[];
    }[];
    expect(entries.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'version.registered',
        'evidence.attached',
        'transition.requested',
        'gate.evaluated',
        'approval.recorded',
        'transition.executed',
      ]),
    );
    expect(proofs).toHaveLength(entries.length);
    for (const entry of entries) {
      const p = proofs.find((x) => x.seq === entry.seq);
      expect(
        verifyInclusion({
          leafIndex: entry.seq,
          treeSize: opened.checkpoint.size,
          leafHash: entryLeafHash(entry),
          proof: (p?.proof ?? []).map((b) => new Uint8Array(Buffer.from(b, 'base64'))),
          root: opened.checkpoint.rootHash,
        }),
      ).toBe(true);
    }
    // The baseline version's own entries are not part of 2026.2's pack.
    expect(entries.some((e) => e.subject.id === `${model}@2026.1`)).toBe(false);
  });

  it('says which entries the latest checkpoint does not cover', async () => {
    const h = await promoted(open);
    const pack = await buildEvidencePack(h.deps, auditor, { model, version: '2026.2' });
    expect(pack.manifest.audit.checkpoint).toBeNull();
    expect(pack.manifest.audit.proven).toBe(0);
    expect(pack.manifest.audit.notCovered.length).toBe(pack.manifest.audit.entries);
  });

  it('writes a report with the gate table and the fairness groups, escaping text', async () => {
    const h = await promoted(open);
    const pack = await buildEvidencePack(h.deps, auditor, { model, version: '2026.2' });
    const html = text(pack, 'report.html');
    for (const gate of ['auc', 'ks', 'approval-rate-parity', 'repro', 'supply-chain', 'documents'])
      expect(html).toContain(`<td>${gate}</td>`);
    expect(html).toContain('<td>female</td>');
    expect(html).toContain('<td>male</td>');
    expect(html).toContain('Selection rate');
    expect(html).toContain('Card &lt;script&gt;alert(1)&lt;/script&gt; ok');
    expect(html).not.toContain('<script');
    expect(html).toContain('<td>RISK-9</td>');
  });

  it('lets any role on the model export, and refuses a principal with no role on it', async () => {
    const h = await promoted(open);
    const byMlops = await buildEvidencePack(h.deps, people.mlops, { model, version: '2026.2' });
    expect(byMlops.manifest.createdBy).toBe(people.mlops.id);
    const elsewhere: Principal = {
      id: 'otis.owner',
      kind: 'user',
      roles: [{ role: 'model_owner', model: 'another-model' }],
    };
    const error = await refusal(buildEvidencePack(h.deps, elsewhere, { model, version: '2026.2' }));
    expect(error.code).toBe('forbidden');
    expect((await readActions(h)).at(-1)).toBe('access.denied');
    const missing = await refusal(buildEvidencePack(h.deps, auditor, { model, version: '9' }));
    expect(missing.code).toBe('not_found');
  });
});
