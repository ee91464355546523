/**
 * Client commands for transition requests: request, approve and reject, execute, cancel,
 * promote, rollback, emergency, inbox and replay.
 */
import { type Command, Option } from 'commander';
import type { Approval, DecisionRecord, TransitionRequest } from '../../domain/index.js';
import { exitCodes } from '../exit-codes.js';
import {
  clientCommand,
  describeDecision,
  describeRequest,
  type Io,
  withClient,
} from './client-support.js';

export function registerRequestCommands(
  program: Command,
  io: Io,
  setExit: (code: number) => void,
): void {
  const requestAction = (changeType: 'standard' | 'emergency' | undefined) =>
    withClient(
      io,
      setExit,
      async (
        client,
        model: string,
        version: string,
        o: { to: string; reason: string; ticket?: string; changeType?: string },
      ) => {
        const outcome = await client.call<{ request: TransitionRequest; decision: DecisionRecord }>(
          'POST',
          '/api/v1/requests',
          {
            json: {
              model,
              version,
              to: o.to,
              reason: o.reason,
              changeType: changeType ?? o.changeType ?? 'standard',
              ...(o.ticket ? { ticket: o.ticket } : {}),
            },
            idempotent: true,
          },
        );
        return {
          json: outcome,
          text: `${describeRequest(outcome.request)}\n${describeDecision(outcome.decision)}`,
        };
      },
    );
  clientCommand(program, 'request', 'request a transition of a version')
    .argument('<model>')
    .argument('<version>')
    .requiredOption('--to <state>', 'target state, e.g. production')
    .requiredOption('--reason <text>')
    .option('--ticket <id>')
    .addOption(
      new Option('--change-type <type>')
        .choices(['standard', 'emergency', 'experiment'])
        .default('standard'),
    )
    .action(requestAction(undefined));
  clientCommand(
    program,
    'emergency',
    'request an emergency change (break-glass; bypasses listed gates for a bounded time)',
  )
    .argument('<model>')
    .argument('<version>')
    .option('--to <state>', 'target state', 'production')
    .requiredOption('--reason <text>')
    .requiredOption('--ticket <id>')
    .action(requestAction('emergency'));

  for (const decision of ['approve', 'reject'] as const) {
    clientCommand(program, decision, `${decision} a transition request in one of your roles`)
      .argument('<request>')
      .requiredOption('--role <role>')
      .requiredOption('--comment <text>')
      .addOption(
        new Option('--risk <class>', 'your risk classification of the change')
          .choices(['low', 'medium', 'high'])
          .makeOptionMandatory(),
      )
      .option('--ticket <id>')
      .action(
        withClient(
          io,
          setExit,
          async (
            client,
            id: string,
            o: { role: string; comment: string; risk: string; ticket?: string },
          ) => {
            const outcome = await client.call<{ approval: Approval; request: TransitionRequest }>(
              'POST',
              `/api/v1/requests/${encodeURIComponent(id)}/approvals`,
              {
                json: {
                  decision,
                  role: o.role,
                  comment: o.comment,
                  riskClass: o.risk,
                  ...(o.ticket ? { ticket: o.ticket } : {}),
                },
                idempotent: true,
              },
            );
            return {
              json: outcome,
              text: `Recorded ${decision} by ${outcome.approval.approver} as ${o.role}.\n${describeRequest(outcome.request)}`,
            };
          },
        ),
      );
  }
  clientCommand(program, 'promote', 'execute an approved request (gates are evaluated again first)')
    .argument('<request>')
    .action(
      withClient(io, setExit, async (client, id: string) => {
        const outcome = await client.call<{
          request: TransitionRequest;
          decision: DecisionRecord;
          demoted?: string;
        }>('POST', `/api/v1/requests/${encodeURIComponent(id)}/execute`, { idempotent: true });
        const demoted = outcome.demoted
          ? `\nPrevious production ${outcome.demoted} is the rollback target.`
          : '';
        return {
          json: outcome,
          text: `${describeRequest(outcome.request)}\n${describeDecision(outcome.decision)}${demoted}`,
        };
      }),
    );
  clientCommand(program, 'cancel', 'cancel a pending request')
    .argument('<request>')
    .requiredOption('--reason <text>')
    .action(
      withClient(io, setExit, async (client, id: string, o: { reason: string }) => {
        const request = await client.call<TransitionRequest>(
          'POST',
          `/api/v1/requests/${encodeURIComponent(id)}/cancel`,
          { json: { reason: o.reason } },
        );
        return { json: request, text: describeRequest(request) };
      }),
    );
  clientCommand(program, 'rollback', 'restore the rollback target to production')
    .argument('<model>')
    .requiredOption('--reason <text>')
    .option('--ticket <id>')
    .action(
      withClient(
        io,
        setExit,
        async (client, model: string, o: { reason: string; ticket?: string }) => {
          const result = await client.call<{ from?: string; to?: string }>(
            'POST',
            `/api/v1/models/${encodeURIComponent(model)}/rollback`,
            {
              json: { reason: o.reason, ...(o.ticket ? { ticket: o.ticket } : {}) },
              idempotent: true,
            },
          );
          return {
            json: result,
            text: `Rolled ${model} back from ${result.from ?? '—'} to ${result.to ?? '—'}.`,
          };
        },
      ),
    );
  clientCommand(program, 'inbox', 'pending requests you could approve').action(
    withClient(io, setExit, async (client) => {
      const items = await client.call<{ request: TransitionRequest; roles: string[] }[]>(
        'GET',
        '/api/v1/inbox',
      );
      const text = items
        .map((i) => `${describeRequest(i.request)} — you may sign as ${i.roles.join(', ')}`)
        .join('\n');
      return { json: items, text: text || 'Nothing waits for you.' };
    }),
  );
  clientCommand(
    program,
    'replay',
    'recompute a stored decision from stored evidence and policy alone',
  )
    .argument('<decision>')
    .action(
      withClient(io, setExit, async (client, id: string) => {
        const report = await client.call<{ reproduced: boolean; differences: string[] }>(
          'POST',
          `/api/v1/decisions/${encodeURIComponent(id)}/replay`,
        );
        const text = report.reproduced
          ? `Decision ${id} reproduced: same outcome and gate results from stored evidence and policy.`
          : `Decision ${id} did NOT reproduce:\n${report.differences.map((d) => `  - ${d}`).join('\n')}`;
        if (!report.reproduced) setExit(exitCodes.denied);
        return { json: report, text };
      }),
    );
}
