import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';
import { clientInfo, IMPLICIT_GRANT, STOREFRONT_SCOPE } from '../client-metadata.ts';
import { accessTokenFormat } from '../jwt-access-tokens.ts';
import { KEY_RESOURCE } from '../token-scopes.ts';

/**
 * `grant_type=implicit&client_id=...`: a public client (no secret) gets a token with the
 * `storefront` scope, opaque or a JWT as the key's `token_format` says. It is stored like a client_credentials token, so introspection, revocation
 * and deletion treat both alike. It is for browsers of the key's `allowed_origins`: a key that
 * lists none gets `unauthorized_client`, and a request whose `Origin` is not listed is refused by
 * oidc-provider's client-based CORS check (`invalid_request`) before it gets here.
 */
export function registerImplicitGrant(provider: Provider): void {
  provider.registerGrantType(
    IMPLICIT_GRANT,
    async (ctx: KoaContextWithOIDC) => {
      const client = ctx.oidc.client;
      if (!client) throw new Error('client authentication did not run');
      const info = clientInfo(client);
      if (info?.kind !== 'application_key' || info.allowed_origins.length === 0)
        throw new errors.UnauthorizedClient(
          'the implicit grant is for browsers: this key lists no allowed origins',
        );
      const token = new provider.ClientCredentials({ client, scope: STOREFRONT_SCOPE });
      // a JWT needs an audience: the key's resource, as for its client_credentials tokens
      if (info.token_format === 'jwt')
        token.resourceServer = new provider.ResourceServer(KEY_RESOURCE, {
          scope: STOREFRONT_SCOPE,
          audience: KEY_RESOURCE,
          ...accessTokenFormat('jwt'),
        });
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
