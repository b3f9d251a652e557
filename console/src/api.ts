import { accessToken, issuer, renew } from './auth.ts';

/** An API error with the `detail` of the first `{"errors": [...]}` entry, shown as is. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export type Meta = {
  warnings?: string[];
  results?: { total?: number; offset?: number; limit?: number };
  total_reserved_rate_limit?: number;
};
export type Result<T> = { data: T; meta?: Meta };

async function call<T>(method: string, path: string, body?: unknown): Promise<Result<T>> {
  const token = await accessToken();
  const response = await fetch(`${issuer}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (response.status === 401) return renew();
  if (response.status === 204) return { data: undefined as T };
  const json = (await response.json().catch(() => undefined)) as
    (Result<T> & { errors?: Array<{ detail?: string; title?: string }> }) | undefined;
  if (!response.ok) {
    const first = json?.errors?.[0];
    throw new ApiError(
      response.status,
      first?.detail ?? first?.title ?? `The server answered ${response.status}.`,
    );
  }
  if (!json) throw new ApiError(response.status, 'The server sent an unreadable answer.');
  return json;
}

/** The public /v2 API with the person's token: nothing else. */
export const api = {
  get: <T>(path: string) => call<T>('GET', path),
  post: <T>(path: string, body?: unknown) => call<T>('POST', path, body),
  patch: <T>(path: string, body: unknown) => call<T>('PATCH', path, body),
  put: <T>(path: string, body: unknown) => call<T>('PUT', path, body),
  delete: (path: string) => call<undefined>('DELETE', path),
};

export const message = (error: unknown) =>
  error instanceof ApiError ? error.detail : error instanceof Error ? error.message : String(error);
