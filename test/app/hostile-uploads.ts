/**
 * Evidence uploads that were answered 201 and then made every gate run of the version answer 500
 * (issue 7, findings 2, 3, 9 and 20), shared by the use-case and HTTP suites. Each is uploaded to
 * a version that already holds `baseEvidence`.
 */
import { createHash } from 'node:crypto';

const text = (s: string) => new TextEncoder().encode(s);

export const baseEvidence = [
  { path: 'notes/b.md', bytes: text('# Notes\n') },
  { path: 'report.md', bytes: text('# Report\n') },
  { path: 'scope', bytes: text('scope\n') },
];

/** Nine anchors of nine aliases each, six levels: 9^6 ≈ 531,441 nodes from a few lines. */
const aliasBomb = [
  'a: &a [x, x, x, x, x, x, x, x, x]',
  ...['b', 'c', 'd', 'e', 'f'].map((name, i) => {
    const prev = String.fromCharCode('a'.charCodeAt(0) + i);
    return `${name}: &${name} [${Array.from({ length: 9 }, () => `*${prev}`).join(', ')}]`;
  }),
  `g: [${Array.from({ length: 9 }, () => '*f').join(', ')}]`,
].join('\n');

const nestedJson = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

export interface HostileUpload {
  title: string;
  path: string;
  bytes: Uint8Array;
  /** What the refusal's message must say (the path as shown, and the rule). */
  says: string;
  /** What it says over HTTP when the edge refuses it before the use case (input-guards.ts). */
  saysAtEdge?: string;
}

export const hostileUploads: HostileUpload[] = [
  {
    title: 'a NUL byte in the path',
    path: 'a\u0000b.md',
    bytes: text('nul'),
    says: '"a\\u{0}b.md" holds the control character U+0000',
    saysAtEdge: "The request's query parameter path contains a NUL character (U+0000).",
  },
  {
    title: 'a control character in the path',
    path: 'bell\u0007.md',
    bytes: text('bell'),
    says: 'control character U+0007',
  },
  {
    title: 'a 260-character name',
    path: `${'a'.repeat(256)}.txt`,
    bytes: text('long'),
    says: 'has a name of 260 bytes (UTF-8); at most 255',
  },
  {
    title: 'é × 150 (300 bytes of UTF-8)',
    path: 'é'.repeat(150),
    bytes: text('e150'),
    says: 'has a name of 300 bytes (UTF-8); at most 255',
  },
  {
    title: 'a file where a folder is (notes beside notes/b.md)',
    path: 'notes',
    bytes: text('file'),
    says: '"notes" names a file, but "notes/b.md" in this version needs a folder',
  },
  {
    title: 'a folder where a file is (scope/x.md beside scope)',
    path: 'scope/x.md',
    bytes: text('dir'),
    says: 'needs a folder "scope", but "scope" in this version is a file',
  },
  {
    title: 'a right-to-left override (\\u202egnp.md shows as md.png)',
    path: '\u202egnp.md',
    bytes: text('rlo'),
    says: '"\\u{202E}gnp.md" holds the bidirectional control U+202E',
  },
  {
    title: 'a zero-width space',
    path: 'rep\u200bort.md',
    bytes: text('zw'),
    says: 'invisible format character U+200B',
  },
  {
    title: 'a decomposed (NFD) name',
    path: 'e\u0301.md',
    bytes: text('nfd'),
    says: 'is not in Unicode normalisation form C',
  },
  {
    title: 'a lone surrogate',
    path: '\ud800.md',
    bytes: text('surrogate'),
    says: 'lone UTF-16 surrogate',
  },
  {
    title: 'PREDICTIONS.CSV, a case variant of predictions.csv',
    path: 'PREDICTIONS.CSV',
    bytes: text('id,label,score\n'),
    says: 'Did you mean predictions.csv?',
  },
  {
    title: 'a name equal to another but for case',
    path: 'REPORT.md',
    bytes: text('# Other\n'),
    says: 'differs only in letter case from "report.md", already in this version',
  },
  {
    title: 'a path 17 segments deep',
    path: `${Array.from({ length: 16 }, () => 'd').join('/')}/x.txt`,
    bytes: text('deep'),
    says: 'is 17 segments deep; at most 16',
  },
  {
    title: 'a file inside .git',
    path: '.git/config',
    bytes: text('git'),
    says: 'a folder the evidence reader skips',
  },
  {
    title: 'a YAML alias bomb in evidence.yaml',
    path: 'evidence.yaml',
    bytes: text(`${aliasBomb}\n`),
    says: 'Evidence file "evidence.yaml" expands YAML aliases (*name) more than 100 times',
  },
  {
    title: 'a YAML alias bomb in Markdown front matter',
    path: 'extra.md',
    bytes: text(`---\n${aliasBomb}\n---\n# Extra\n`),
    says: 'The front matter of evidence file "extra.md" expands YAML aliases',
  },
  {
    title: 'an evidence.yaml over 64 KiB',
    path: 'evidence.yml',
    bytes: text(`# ${'x'.repeat(70_000)}\npredictions: p.csv\n`),
    says: 'at most 65536 (64 KiB) are read',
  },
  {
    title: 'JSON nested 4,500 levels',
    path: 'scan_results.json',
    bytes: text(nestedJson(4500)),
    says: 'nests arrays and objects more than 64 levels deep (line 1, column 65)',
  },
];

export function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Lineage nested `levels` deep (the top object counts as one). */
export function nestedLineage(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { seed: 1 };
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}
