/**
 * The OAuth endpoints that our own middleware looks at (the token-request rewrite, the failed
 * client-authentication throttle, minting), written once: oidc-provider is configured with the
 * same paths (`routes` in provider.ts) and the path canonicaliser knows them (canonical-path.ts).
 */
export const oauthRoutes = {
  token: '/token',
  introspection: '/token/introspection',
  revocation: '/token/revocation',
} as const;

/** Compatibility paths of the product we replace, served by oidc-provider's routes. */
export const oauthAliases: Record<string, string> = {
  '/oauth/access_token': oauthRoutes.token,
};

/** Where clients authenticate with their secret (the failed-authentication throttle watches these). */
export const clientAuthenticatedPaths: ReadonlySet<string> = new Set(Object.values(oauthRoutes));
