/**
 * `audit verify --state` and `--since`: reading the kept checkpoint file, and rendering the
 * database-against-log check (every disagreeing row named; exit 1 when there is any).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { describeDisagreement, type StateCheck } from '../../app/index.js';
import { parseCheckpoint } from '../../audit/index.js';
import { ClearanceError } from '../../domain/index.js';

/** The signed checkpoint note an auditor kept (`audit checkpoint` output, or the served note). */
export async function readKeptCheckpoint(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const message = `Cannot read the checkpoint file ${file} passed with --since.`;
    throw new ClearanceError('invalid_input', message, {
      cause,
      problems: [{ message, fix: 'Pass the signed note you kept from your last verification.' }],
    });
  }
  // A note saved from JSON output may carry a trailing newline too many; the note ends with one.
  return `${text.trimEnd()}\n`;
}

export function stateCheckOk(check: StateCheck): boolean {
  return check.disagreements.length === 0 && check.problems.length === 0;
}

export function renderStateCheck(check: StateCheck): string {
  // Notes do not fail the check: they say what an older log cannot prove.
  const notes = check.notes.map((n) => `  Note: ${n}`);
  if (stateCheckOk(check)) {
    const lines = [
      `Database agrees with the audit log: models, versions (artifact, registrar, lineage) and their states, serving, requests and approvals checked against ${check.auditEntries} entries (role bindings, evidence rows and MLflow tags, aliases and descriptions are not yet checked).`,
      ...notes,
    ];
    return `${lines.join('\n')}\n`;
  }
  const lines = [
    `Database does NOT agree with the audit log (${check.auditEntries} entries): ${check.disagreements.length} row(s) disagree.`,
    ...check.disagreements.map((d) => `  ${describeDisagreement(d)}`),
    ...check.problems.map((p) => `  ${p}`),
    ...notes,
  ];
  return `${lines.join('\n')}\n`;
}

/** The note of the largest checkpoint among verified `notes` (each a signed C2SP note). */
export function newestNote(notes: readonly string[]): string | undefined {
  let best: { size: number; note: string } | undefined;
  for (const note of notes) {
    let size: number;
    try {
      size = parseCheckpoint(note.slice(0, note.indexOf('\n\n') + 1)).size;
    } catch {
      continue; // A malformed note already failed verification; nothing is kept then.
    }
    if (best === undefined || size > best.size) best = { size, note };
  }
  return best?.note;
}

/**
 * `--save-checkpoint FILE`: after a clean verification, keeps the newest verified checkpoint for
 * the next run's `--since`. Nothing is written when the log did not verify.
 */
export async function saveKeptCheckpoint(
  file: string | undefined,
  note: string | undefined,
): Promise<void> {
  if (file === undefined || note === undefined) return;
  await writeFile(file, note, { mode: 0o644 });
}
