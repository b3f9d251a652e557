import Provider, { errors } from 'oidc-provider';
import type { OwnerRef } from '../domain/types.ts';
import type { Decision } from '../limiter/gcra.ts';
import { rateLimitHeaders } from '../limiter/headers.ts';
import { clientInfo } from './client-metadata.ts';

/** Charges one request to a key (its reservation, then its owner's shared pool). */
export type ChargeKey = (owner: OwnerRef, keyId: string) => Promise<Decision>;

/**
 * Minting is a request too (DESIGN.md section 6): every token a key obtains is charged to the key
 * like an API request, after oidc-provider has authenticated the client and checked the grant and
 * scope, right before the token is stored. Both our grants (client_credentials and the implicit
 * one) store a ClientCredentials token, so this is the one place that sees every minting and
 * nothing else. Spent: 429 with Retry-After and the OAuth error `slow_down`; the RateLimit headers
 * name the pool charged either way.
 */
export function chargeMinting(provider: Provider, charge: ChargeKey): void {
  const prototype = provider.ClientCredentials.prototype;
  const save = prototype.save;
  prototype.save = async function chargedSave(this: typeof prototype) {
    const ctx = Provider.ctx;
    const info = clientInfo(ctx?.oidc.client);
    if (ctx && info?.kind === 'application_key') {
      const decision = await charge(info.owner, info.key_id);
      const headers = rateLimitHeaders(decision);
      ctx.set(headers);
      if (!decision.allowed) {
        const error = new errors.CustomOIDCProviderError(
          'slow_down',
          `rate limit exceeded for this key and its ${info.owner.type}'s shared pool; retry after ${headers['Retry-After']} s`,
        );
        Object.assign(error, { status: 429, statusCode: 429 });
        throw error;
      }
    }
    return save.call(this);
  };
}
