import type { Runtime } from '../../src/runtime.ts';
import type { OwnerRef } from '../../src/domain/types.ts';
import { json, type Json } from './http.ts';

const cli = { kind: 'cli' } as const;
let counter = 0;
const unique = (label: string) => `${label}-${++counter}-${Math.random().toString(36).slice(2, 7)}`;

export type KeyFixture = { id: string; clientId: string; secret: string; owner: OwnerRef };

/**
 * Builds organizations, stores and keys through the domain services (as the CLI does) on the
 * server's own database, and obtains tokens from the server over HTTP.
 */
export function fixtures(runtime: Runtime, baseUrl: string) {
  const { organizations, applicationKeys } = runtime.domain;
  return {
    async organization(rateLimit = 100) {
      return organizations.createOrganization(cli, { name: unique('org'), rateLimit });
    },
    async store(organizationId: string, rateLimit = 100) {
      return organizations.createStore(cli, organizationId, { name: unique('store'), rateLimit });
    },
    async key(
      owner: OwnerRef,
      options: {
        reservedRateLimit?: number;
        allowedOrigins?: string[];
        name?: string;
        scopes?: string[];
        tokenFormat?: 'opaque' | 'jwt';
      } = {},
    ) {
      const { key, secret } = await applicationKeys.create(cli, owner, {
        name: options.name ?? unique('key'),
        ...options,
      });
      return { id: key.id, clientId: key.clientId, secret: secret ?? '', owner } satisfies KeyFixture;
    },
    /** A client_credentials token; `scope` as sent (none: all of the key's scopes). */
    async token(key: KeyFixture, scope?: string): Promise<string> {
      const response = await fetch(`${baseUrl}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${key.clientId}:${key.secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: `grant_type=client_credentials${scope === undefined ? '' : `&scope=${encodeURIComponent(scope)}`}`,
      });
      const body = await json(response);
      if (response.status !== 200) throw new Error(`token request failed: ${JSON.stringify(body)}`);
      return body.access_token as string;
    },
    async implicitToken(key: KeyFixture): Promise<string> {
      const response = await fetch(`${baseUrl}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=implicit&client_id=${encodeURIComponent(key.clientId)}`,
      });
      return (await json(response)).access_token as string;
    },
  };
}

/** A small client of the admin API with one token. */
export function adminClient(baseUrl: string, token: string) {
  const call = async (method: string, path: string, body?: unknown, raw?: string) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as Json,
      text,
    };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown) => call('POST', path, body),
    put: (path: string, body: unknown) => call('PUT', path, body),
    patch: (path: string, body: unknown) => call('PATCH', path, body),
    delete: (path: string) => call('DELETE', path),
    raw: (method: string, path: string, raw: string) => call(method, path, undefined, raw),
  };
}

export const ownerPath = (owner: OwnerRef) =>
  `/v2/${owner.type === 'store' ? 'stores' : 'organizations'}/${owner.id}`;
