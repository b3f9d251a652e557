import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { AppError } from '../errors.ts';
import { presentError } from '../resources/errors.ts';

type ClientError = Error & { code?: string; rawPacket?: Buffer };

/** Node's parser errors that mean "the headers are too big" or "too slow"; the rest are malformed requests. */
function appError(code: string | undefined): AppError {
  if (code === 'HPE_HEADER_OVERFLOW')
    return new AppError('headers_too_large', 'The request headers are too large.');
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return new AppError('request_timeout', 'The request took too long to arrive.');
  return new AppError('bad_request', `The request is malformed (${code ?? 'parse error'}).`);
}

/** The path of the request line Node gave up on, when it got that far. */
const requestPath = (raw: Buffer | undefined) =>
  /^[A-Z]+ (\S+) HTTP\/1\.[01]\r?\n/.exec(raw?.toString('latin1', 0, 8192) ?? '')?.[1] ?? '';

/**
 * Node answers requests its HTTP parser rejects (headers past 16 KB, a malformed request line or
 * header) itself, before Koa sees them, with an empty body. This `clientError` listener answers
 * the same status with the body of the API the path is under, as every other refusal does:
 * `{"errors": [...]}` under /v2, an OAuth error elsewhere.
 */
export function answerClientError(error: ClientError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const refusal = appError(error.code);
  const body = JSON.stringify(
    /^\/v2(\/|$|\?)/i.test(requestPath(error.rawPacket))
      ? presentError(refusal)
      : { error: 'invalid_request', error_description: refusal.message },
  );
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
