import type { FastifyBaseLogger } from 'fastify';
import { describeDisagreement, type StateCheck } from '../app/index.js';

/**
 * A clean check is one info line, unless the last check logged was clean over the same entries
 * (the start-up check and the `state.check` job both run when a server starts): that repeat is a
 * debug line. Every disagreeing row is an error line naming it, every time.
 */
export function stateCheckLog(app: { log: FastifyBaseLogger }): (check: StateCheck) => void {
  let cleanOver: number | undefined;
  return (check) => {
    const found = check.disagreements.length + check.problems.length;
    const repeat = found === 0 && cleanOver === check.auditEntries;
    cleanOver = found === 0 ? check.auditEntries : undefined;
    if (repeat) {
      app.log.debug(
        { auditEntries: check.auditEntries },
        'database still agrees with the audit log',
      );
      return;
    }
    logStateCheck(app, check);
  };
}

function logStateCheck(app: { log: FastifyBaseLogger }, check: StateCheck): void {
  const found = check.disagreements.length + check.problems.length;
  // What an older log cannot prove (ADR 024) is said beside the outcome, never as an error.
  const notes = check.notes.length > 0 ? { notes: check.notes } : {};
  if (found === 0) {
    app.log.info(
      { auditEntries: check.auditEntries, ...notes },
      'database agrees with the audit log',
    );
    return;
  }
  app.log.error(
    { disagreements: check.disagreements.length, problems: check.problems.length, ...notes },
    'database does NOT agree with the audit log: run `clearance audit verify --state`',
  );
  for (const d of check.disagreements) app.log.error({ disagreement: d }, describeDisagreement(d));
  for (const p of check.problems) app.log.error(p);
}
