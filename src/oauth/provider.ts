import Provider, { type Adapter, type AdapterPayload, type JWK } from 'oidc-provider';
import type { Repositories } from '../domain/ports.ts';
import { ADMIN_SCOPES } from '../domain/scopes.ts';
import type { Secrets } from '../domain/secrets.ts';
import { chargeMinting, type ChargeKey } from './charge-minting.ts';
import { clientBasedCORS, useHashedClientSecrets } from './client-auth.ts';
import { createClientAdapter } from './client-adapter.ts';
import type { Clients } from './clients.ts';
import { ADMIN_SCOPE, EXTRA_METADATA, STOREFRONT_SCOPE } from './client-metadata.ts';
import { features } from './configuration/features.ts';
import { allowConsoleLoopbackRedirects, consoleClient } from './console-client.ts';
import { createFindAccount } from './find-account.ts';
import { renderError } from './configuration/render-error.ts';
import { consoleAwarePolicy } from './configuration/interaction-policy.ts';
import { ttlConfiguration } from './configuration/ttl.ts';
import { registerImplicitGrant } from './grants/implicit.ts';
import { oauthRoutes } from './endpoints.ts';
import { createIntrospectionPolicy } from './introspection-policy.ts';
import { extraTokenClaims } from './token-claims.ts';
import { createJwtAccessTokenReader } from './jwt-access-tokens.ts';
import { withJwtAccessTokens } from './jwt-token-adapter.ts';
import { KEY_RESOURCE, keyTokenScopes } from './token-scopes.ts';
import { withTokenCache } from './token-cache.ts';
import { bitsOfOpaqueRandomness, withModelOfTokenIds } from './token-ids.ts';
import type { ClientCache } from './client-cache.ts';

export type ProviderDeps = {
  issuer: string;
  adapter: new (name: string) => Adapter;
  repos: Repositories;
  /** Keys and resource servers as OAuth clients, through the client cache. */
  clients: Clients;
  secrets: Secrets;
  signingKeys: { keys: JWK[] };
  cookieKeys: string[];
  accessTokenTtl: number;
  /** Charges each token minted for a key (absent only in the limiter-overhead benchmark). */
  chargeKey?: ChargeKey;
  /** Keys' opaque tokens in memory (token-cache.ts); `revoked` tells the other instances. */
  tokens?: { cache: ClientCache<AdapterPayload>; revoked: (digest: string) => Promise<void> };
};

/**
 * The oidc-provider instance. It is itself the Koa application: middleware added with
 * `provider.use` runs before its own routes, which answer whatever our routers leave alone.
 * Clients are application keys and resource servers; every other model uses the MongoDB adapter.
 */
export function createProvider(deps: ProviderDeps): Provider {
  const ClientAdapter = createClientAdapter(deps.clients);
  const readJwt = createJwtAccessTokenReader({
    issuer: deps.issuer,
    signingKeys: deps.signingKeys.keys,
    audience: KEY_RESOURCE,
  });
  const provider = new Provider(deps.issuer, {
    adapter: (name: string) => {
      if (name === 'Client') return new ClientAdapter();
      const stored = new deps.adapter(name);
      const cached =
        name === 'ClientCredentials' && deps.tokens
          ? withTokenCache(stored, deps.tokens.cache, deps.tokens.revoked)
          : stored;
      return withJwtAccessTokens(name, withModelOfTokenIds(name, cached), readJwt);
    },
    formats: { bitsOfOpaqueRandomness },
    routes: { ...oauthRoutes },
    jwks: deps.signingKeys,
    cookies: { keys: deps.cookieKeys },
    features: {
      ...features,
      introspection: { enabled: true, allowedPolicy: createIntrospectionPolicy(deps.repos, deps.clients) },
      resourceIndicators: { enabled: true, ...keyTokenScopes },
    },
    scopes: [ADMIN_SCOPE, STOREFRONT_SCOPE, ...ADMIN_SCOPES],
    extraClientMetadata: { properties: [EXTRA_METADATA] },
    extraTokenClaims,
    clientBasedCORS: clientBasedCORS(deps.issuer),
    clients: [consoleClient(deps.issuer)],
    // our only signing keys are ES256 (see config/signing-keys.ts)
    clientDefaults: { id_token_signed_response_alg: 'ES256', grant_types: [], response_types: [] },
    ttl: ttlConfiguration(deps.accessTokenTtl),
    renderError,
    interactions: {
      policy: consoleAwarePolicy(deps.issuer),
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    findAccount: createFindAccount(deps.repos),
    claims: { openid: ['sub'], email: ['email'] },
  });
  useHashedClientSecrets(provider, deps.secrets);
  registerImplicitGrant(provider);
  if (deps.chargeKey) chargeMinting(provider, deps.chargeKey);
  allowConsoleLoopbackRedirects(provider);
  return provider;
}
