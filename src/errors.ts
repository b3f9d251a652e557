import { STATUS_CODES } from 'node:http';

/** Stable machine-readable codes; each maps to one HTTP status. */
export const errorStatus = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  /** Authenticated and within its role, but the token lacks a scope the action needs. */
  insufficient_scope: 403,
  not_found: 404,
  method_not_allowed: 405,
  /** Node's HTTP parser gave up waiting for the request (see src/http/client-error.ts). */
  request_timeout: 408,
  conflict: 409,
  /** A request body in a form we do not read (a Content-Encoding). */
  unsupported_media_type: 415,
  rate_limited: 429,
  /** Headers past Node's 16 KB limit (see src/http/client-error.ts). */
  headers_too_large: 431,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

/**
 * The one application error. `expose` says whether `detail` may be shown to the caller;
 * unexposed errors are rendered as a generic message and logged instead.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    detail: string,
    options: { expose?: boolean; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = errorStatus[code];
    this.expose = options.expose ?? this.status < 500;
    this.headers = options.headers ?? {};
  }

  get title(): string {
    return STATUS_CODES[this.status] ?? 'Error';
  }
}

export function assertThat(condition: unknown, error: AppError | (() => AppError)): asserts condition {
  if (!condition) throw typeof error === 'function' ? error() : error;
}
