/**
 * The format limits an upload checks before storing a file: only the limits, judged with the
 * readers' own functions, so what is accepted can be read. A file that is merely malformed (a
 * JSON syntax error, a YAML typo) is still accepted: the gates that need it report `error` with
 * the reader's message, as for any malformed evidence.
 */
import { classifyEvidenceFile } from './evidence-file-names.js';
import {
  evidenceFormatLimits,
  type FormatProblem,
  jsonNestingBeyond,
  parseEvidenceYaml,
  sizeProblem,
  splitFrontMatter,
} from './evidence-limits.js';
import { displayEvidencePath } from './evidence-path.js';

/**
 * Files read by name as whole JSON documents (their size is bounded, not only their nesting).
 * Not `load_test.json`: it may hold k6's `--out json` lines, which are streamed at any size; the
 * reader bounds it when it is one JSON document.
 */
const jsonReadWhole = new Set(['metrics', 'lineage', 'sbom', 'scan_results', 'drift_baseline']);
const manifests = ['evidence.yaml', 'evidence.yml'];

const decoder = new TextDecoder();

/** The first format limit `bytes`, stored at `path`, would break in a reader; or undefined. */
export function checkEvidenceContent(path: string, bytes: Uint8Array): FormatProblem | undefined {
  const file = `Evidence file ${displayEvidencePath(path)}`;
  const frontMatter = `The front matter of evidence file ${displayEvidencePath(path)}`;
  if (manifests.includes(path)) return limitOnly(parseEvidenceYaml(decoder.decode(bytes), file));
  if (path.endsWith('.md')) {
    const split = splitFrontMatter(decoder.decode(bytes));
    if (split.kind !== 'found') return undefined;
    return limitOnly(parseEvidenceYaml(split.yaml, frontMatter));
  }
  if (!path.endsWith('.json')) return undefined;
  const { kind } = classifyEvidenceFile(path);
  const { maxJsonBytes, maxNesting } = evidenceFormatLimits;
  if ((jsonReadWhole.has(kind) || path === 'data_fields.json') && bytes.length > maxJsonBytes) {
    return sizeProblem(file, bytes.length, maxJsonBytes);
  }
  const deep = jsonNestingBeyond(decoder.decode(bytes));
  if (deep === undefined) return undefined;
  return {
    limit: 'nesting',
    message: `${file} nests arrays and objects more than ${maxNesting} levels deep (line ${deep.line}, column ${deep.column}); at most ${maxNesting} are read.`,
    fix: 'Flatten the structure.',
    ...deep,
  };
}

function limitOnly(result: ReturnType<typeof parseEvidenceYaml>): FormatProblem | undefined {
  return !result.ok && result.problem.limit !== undefined ? result.problem : undefined;
}
