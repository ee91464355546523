/**
 * Refusals Node's HTTP parser makes before Fastify sees a request — headers over
 * `maxHeaderSize` (431), a request that timed out (408), bytes that are not HTTP (400) — answered
 * as problem details like every other error, then the connection is closed.
 */
import type { Socket } from 'node:net';
import { type ProblemCode, problemContentType, problemDetails } from './problem-details.js';

/** Node's default `maxHeaderSize`: request line and header fields together. */
const maxHeaderBytes = 16 * 1024;

function problemFor(errorCode: string | undefined): {
  code: ProblemCode;
  message: string;
  fix: string;
} {
  if (errorCode === 'HPE_HEADER_OVERFLOW') {
    return {
      code: 'header_too_large',
      message: `The request line and header fields are larger than ${maxHeaderBytes / 1024} KiB.`,
      fix: 'Send fewer or shorter headers (a Clearance API token is 72 characters).',
    };
  }
  if (errorCode === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return {
      code: 'request_timeout',
      message: 'The request was not received in time.',
      fix: 'Send the whole request promptly, then retry.',
    };
  }
  return {
    code: 'invalid_input',
    message: 'The request is not well-formed HTTP/1.1.',
    fix: 'Send a well-formed request.',
  };
}

/** Fastify's `clientErrorHandler`: writes the problem to the raw socket and closes it. */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has no one left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { code, message, fix } = problemFor(error.code);
  const problem = problemDetails({
    code,
    detail: message,
    instance: '',
    problems: [{ message, fix }],
  });
  const body = JSON.stringify(problem);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Type: ${problemContentType}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
