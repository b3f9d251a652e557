import Provider, { type Adapter, type JWK } from 'oidc-provider';
import { features } from './configuration/features.ts';
import { renderError } from './configuration/render-error.ts';
import { ttlConfiguration } from './configuration/ttl.ts';

export type ProviderDeps = {
  issuer: string;
  adapter: new (name: string) => Adapter;
  signingKeys: { keys: JWK[] };
  cookieKeys: string[];
  accessTokenTtl: number;
};

/**
 * The oidc-provider instance. It is itself the Koa application: middleware added with
 * `provider.use` runs before its own routes, which answer whatever our routers leave alone.
 */
export function createProvider(deps: ProviderDeps): Provider {
  const provider = new Provider(deps.issuer, {
    adapter: deps.adapter,
    jwks: deps.signingKeys,
    cookies: { keys: deps.cookieKeys },
    features,
    clients: [],
    ttl: ttlConfiguration(deps.accessTokenTtl),
    renderError,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: async () => undefined,
  });
  return provider;
}
