import mongoose from 'mongoose';
import { AppError } from '../../errors.ts';
import { DATABASE_TIMEOUT_MS } from './connection.ts';

/**
 * The one place that decides whether an error means "the database cannot serve us right now"
 * (refused, unreachable, frozen, failing over, too slow) rather than a fault of the request or a
 * bug. Such errors answer 503 with Retry-After everywhere: `{"errors": [...]}` under /v2,
 * `{"error": "temporarily_unavailable"}` (RFC 6749) at the OAuth endpoints, a page at sign-in.
 */
const { mongo } = mongoose;

/**
 * A record the answer depends on (a token) was refused by the database, that document alone (a
 * write error of it in a grouped insert): answered like an outage, 503 with Retry-After, so that
 * the client asks again instead of receiving a token that does not exist.
 */
export class RecordNotStoredError extends Error {
  override name = 'RecordNotStoredError';
}

const unavailableClasses = [
  RecordNotStoredError,
  mongo.MongoServerSelectionError, // no server answered within serverSelectionTimeoutMS
  mongo.MongoNetworkError, // refused, reset, closed; MongoNetworkTimeoutError (no reply in time); pool cleared
  mongo.MongoOperationTimeoutError,
  mongoose.Error.MongooseServerSelectionError,
];
const unavailableNames = new Set(['MongoWaitQueueTimeoutError', 'MongoPoolClearedError']);
/** Server answers that mean "not now": shutting down, stepping down, no primary, maxTimeMS expired. */
const unavailableServerCodes = new Set([50, 91, 189, 10107, 11600, 11602, 13435, 13436]);

export const RETRY_AFTER_SECONDS = Math.ceil((2 * DATABASE_TIMEOUT_MS) / 1000);

function isUnavailableError(error: object): boolean {
  if (unavailableClasses.some((type) => error instanceof type)) return true;
  if (unavailableNames.has((error as Error).name)) return true;
  const code = (error as { code?: unknown }).code;
  return (
    error instanceof mongo.MongoServerError && typeof code === 'number' && unavailableServerCodes.has(code)
  );
}

/** True when `error`, or an error it was caused by, says the database is unavailable. */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    if (current instanceof AppError) return current.code === 'unavailable';
    if (isUnavailableError(current)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

export const UNAVAILABLE_DETAIL = 'The database is unavailable right now; try again in a few seconds.';

const unavailable = (cause: unknown) =>
  new AppError('unavailable', UNAVAILABLE_DETAIL, {
    expose: true,
    cause,
    headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
  });

/** The AppError for a database outage (503, exposed, with Retry-After), or undefined for any other error. */
export function asDatabaseUnavailable(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error.code === 'unavailable' ? error : undefined;
  return isDatabaseUnavailable(error) ? unavailable(error) : undefined;
}

/**
 * A record the answer depends on (a token) was not stored: 503 with Retry-After whatever the
 * reason, an outage or a write error of that one document, so that the client asks again instead
 * of receiving a token that does not exist.
 */
export function notStored(error: unknown): AppError {
  return asDatabaseUnavailable(error) ?? unavailable(error);
}
