import type { OwnerRef } from '../domain/types.ts';

export type TokenSubject = { clientId: string; keyId: string; owner: OwnerRef; scope: string };

type Introspected = {
  active?: boolean;
  client_id?: string;
  scope?: string;
  exp?: number;
  application_key_id?: string;
  store_id?: string;
  organization_id?: string;
};

/**
 * Checks tokens with appkeys' introspection endpoint (as a registered resource server) and
 * remembers each answer for `cacheMs` (never past the token's expiry): a revoked token or deleted
 * key stops working here within that time.
 */
export function createIntrospectionCache(options: {
  url: string;
  clientId: string;
  clientSecret: string;
  cacheMs?: number;
  maxEntries?: number;
}) {
  const cacheMs = options.cacheMs ?? 5000;
  const maxEntries = options.maxEntries ?? 10_000;
  const cache = new Map<string, { subject: TokenSubject | undefined; until: number }>();
  const authorization = `Basic ${Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64')}`;

  async function introspect(token: string): Promise<TokenSubject | undefined> {
    const response = await fetch(options.url, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
      signal: AbortSignal.timeout(2000),
    });
    if (!response.ok) throw new Error(`introspection answered ${response.status}`);
    const body = (await response.json()) as Introspected;
    if (!body.active || !body.application_key_id || !body.client_id) return undefined;
    const owner: OwnerRef | undefined = body.store_id
      ? { type: 'store', id: body.store_id }
      : body.organization_id
        ? { type: 'organization', id: body.organization_id }
        : undefined;
    return (
      owner && { clientId: body.client_id, keyId: body.application_key_id, owner, scope: body.scope ?? '' }
    );
  }

  return async function subjectOf(token: string): Promise<TokenSubject | undefined> {
    const now = Date.now();
    const cached = cache.get(token);
    if (cached && cached.until > now) return cached.subject;
    const subject = await introspect(token);
    if (cache.size >= maxEntries) cache.clear();
    cache.set(token, { subject, until: now + cacheMs });
    return subject;
  };
}
