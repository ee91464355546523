/**
 * `audit verify --state` and `--since`: reading the kept checkpoint file, and rendering the
 * database-against-log check (every disagreeing row named; exit 1 when there is any).
 */
import { readFile } from 'node:fs/promises';
import { describeDisagreement, type StateCheck } from '../../app/index.js';
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
  if (stateCheckOk(check)) {
    return `Database agrees with the audit log: every row checked against ${check.auditEntries} entries.\n`;
  }
  const lines = [
    `Database does NOT agree with the audit log (${check.auditEntries} entries): ${check.disagreements.length} row(s) disagree.`,
    ...check.disagreements.map((d) => `  ${describeDisagreement(d)}`),
    ...check.problems.map((p) => `  ${p}`),
  ];
  return `${lines.join('\n')}\n`;
}
