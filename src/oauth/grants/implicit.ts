import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { IMPLICIT_GRANT, STOREFRONT_SCOPE } from '../client-metadata.ts';

/**
 * `grant_type=implicit&client_id=...`: a public client (no secret) gets an opaque token with the
 * `storefront` scope. It is stored like a client_credentials token, so introspection, revocation
 * and deletion treat both alike.
 */
export function registerImplicitGrant(provider: Provider): void {
  provider.registerGrantType(
    IMPLICIT_GRANT,
    async (ctx: KoaContextWithOIDC) => {
      const client = ctx.oidc.client;
      if (!client) throw new Error('client authentication did not run');
      const token = new provider.ClientCredentials({ client, scope: STOREFRONT_SCOPE });
      ctx.oidc.entity('ClientCredentials', token);
      const value = await token.save();
      ctx.body = {
        access_token: value,
        expires_in: token.expiration,
        token_type: 'Bearer',
        scope: token.scope,
      };
    },
    ['scope'],
  );
}
