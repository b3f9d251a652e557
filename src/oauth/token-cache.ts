import { hash } from 'node:crypto';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { ClientCache } from './client-cache.ts';

/** How a token is named in the cache and on the revocation channel: never the token itself. */
export const tokenDigest = (id: string) => hash('sha256', id, 'base64url');

/**
 * Keys' opaque access tokens (oidc-provider's ClientCredentials model) served from memory, so a
 * resource server introspecting the same token on every call it receives, and a key calling /v2
 * with one token, cost no database read. A token's stored record never changes: it is written
 * once (and remembered by the instance that wrote it, after the write) and deleted once (on
 * revocation, which forgets it here at once and tells the other instances through Redis,
 * `revoked`). Everything else that ends a token is checked on every use whatever the cache holds:
 * its expiry (oidc-provider reads `exp` from the payload), and whether its key still exists
 * (clients.ts `liveKey`). Entries live as long as clients do (CLIENT_CACHE_TTL_MS with Redis, 1 s
 * without), so a revocation whose announcement was lost still takes effect within that time.
 */
export function withTokenCache(
  adapter: Adapter,
  cache: ClientCache<AdapterPayload>,
  /** Must not throw. */
  revoked: (digest: string) => Promise<void>,
): Adapter {
  const { upsert, find, destroy, revokeByGrantId } = adapter;
  adapter.upsert = async (id, payload, expiresIn) => {
    await upsert.call(adapter, id, payload, expiresIn);
    cache.put(tokenDigest(id), payload);
  };
  adapter.find = (id) => cache.get(tokenDigest(id), async () => (await find.call(adapter, id)) ?? undefined);
  adapter.destroy = async (id) => {
    const digest = tokenDigest(id);
    try {
      await destroy.call(adapter, id);
    } finally {
      // also when the delete failed: it may have happened all the same (a timeout, say)
      cache.forget(digest);
      await revoked(digest);
    }
  };
  // keys' tokens belong to no grant; should one ever, no cached token may outlive its grant
  adapter.revokeByGrantId = async (grantId) => {
    await revokeByGrantId.call(adapter, grantId);
    cache.clear();
  };
  return adapter;
}
