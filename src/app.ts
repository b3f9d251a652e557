import type { EventEmitter } from 'node:events';
import type Provider from 'oidc-provider';
import type Router from '@koa/router';
import type { Logger } from './infra/logger.ts';
import { healthRoutes } from './http/health-routes.ts';
import { answerDatabaseUnavailable } from './http/middleware/database-unavailable.ts';
import { authenticate, type AuthenticateDeps } from './http/middleware/authenticate.ts';
import { notFound } from './http/middleware/not-found.ts';
import { pathAliases } from './http/path-aliases.ts';
import { renderErrors } from './http/middleware/render-errors.ts';
import { requestLog } from './http/middleware/request-log.ts';
import { strictFormBody } from './http/middleware/strict-form-body.ts';
import { underPrefix } from './http/middleware/under-prefix.ts';
import { translateTokenRequest } from './oauth/token-request.ts';
import { introspectJwtAccessTokens } from './oauth/jwt-introspection.ts';
import { rateLimit } from './http/middleware/rate-limit.ts';
import type { Limiter } from './limiter/limiter.ts';
import type { Redis } from 'ioredis';
import { throttleFailedClientAuth } from './oauth/failed-auth-throttle.ts';
import { completeTokenResponse } from './oauth/token-response.ts';
import { createPathCanonicaliser } from './http/canonical-path.ts';
import { canonicalPath } from './http/middleware/canonical-path.ts';
import { refusalThrottle, type RefusalThrottleOptions } from './http/middleware/refusal-throttle.ts';
import { routePatterns } from './http/admin-router.ts';
import { oauthAliases, oauthRoutes } from './oauth/endpoints.ts';
import type { TrustProxy } from './config/trust-proxy.ts';
import { clientAddress } from './http/client-address.ts';
import { noStore } from './http/middleware/no-store.ts';
import { unambiguousRequest } from './http/middleware/unambiguous-request.ts';

export type AppDeps = {
  provider: Provider;
  /** Which proxies may tell the client's address and scheme (TRUST_PROXY). */
  trustProxy: TrustProxy;
  admin: Router;
  /** `GET /v2/openapi.json`, served without a token. */
  openapi: Router;
  /** The sign-in pages. */
  interactions: Router;
  /** The web console's page and assets (/console). */
  console: Router;
  authenticate: AuthenticateDeps;
  onTokenIssued: (clientId: string, grant: string) => void;
  /** Absent only in the limiter-overhead benchmark. */
  limiter: Limiter | undefined;
  redis: Redis | undefined;
  /** The refused-request allowance per caller (default 100 a minute). */
  refusals?: RefusalThrottleOptions;
  logger: Logger;
  ping: () => Promise<void>;
};

/**
 * Assembles the HTTP application on the provider (which is a Koa app). The order carries meaning:
 * 1. the client's address, the request log, then `canonicalPath`: every later step sees the one
 *    spelling of the path that the routers serve (malformed paths stop here with 400); requests
 *    two readers could read differently (repeated Authorization or Content-Type, a compressed
 *    body) stop with 400/415; database outages answer 503;
 * 2. path aliases, health, sign-in pages, the console;
 * 3. the /v2 admin API: no-store, JSON errors; the OpenAPI document (public); the refusal throttle around authentication
 *    (uncharged refusals count per caller); Bearer authentication; the caller's refusal
 *    allowance; the request's meter (the domain charges the payer when it authorizes); routes;
 *    JSON 404;
 * 4. for the rest, oidc-provider's own routes, with token responses completed, form bodies read
 *    strictly, token requests translated, JWT access tokens named so that introspection looks
 *    them up, and failed client authentication throttled (innermost, so it sees the outcome).
 */
export function assembleApp(deps: AppDeps): Provider {
  const { provider, admin, logger } = deps;
  const health = healthRoutes({ ping: deps.ping });
  const canonicalise = createPathCanonicaliser(
    [
      ...Object.values(oauthRoutes),
      ...Object.keys(oauthAliases),
      ...routePatterns(admin),
      ...routePatterns(deps.openapi),
    ],
    ['/v2'],
  );
  const refusals = refusalThrottle(deps.redis, deps.refusals);
  // Koa reports errors nobody handled here, oidc-provider its own 500s: into the structured log
  (provider as unknown as EventEmitter).on('error', (err: unknown) =>
    logger.error({ err }, 'unhandled error'),
  );
  provider.on('server_error', (ctx, err) => logger.error({ err, path: ctx.path }, 'oauth server error'));
  // first: the client's address and scheme, which the log, the throttles and cookies depend on
  provider.use(clientAddress(deps.trustProxy, provider.issuer));
  provider.use(requestLog(logger));
  provider.use(canonicalPath(canonicalise));
  provider.use(unambiguousRequest);
  provider.use(answerDatabaseUnavailable(provider, logger));
  provider.use(pathAliases);
  provider.use(health.routes());
  provider.use(deps.interactions.routes());
  provider.use(deps.console.routes());
  provider.use(underPrefix('/v2', noStore));
  provider.use(underPrefix('/v2', renderErrors(logger)));
  // the /v2 routers only see /v2 paths (canonical by now): others skip their route matching
  provider.use(underPrefix('/v2', deps.openapi.routes()));
  provider.use(underPrefix('/v2', refusals.count));
  provider.use(underPrefix('/v2', authenticate(deps.authenticate)));
  provider.use(underPrefix('/v2', refusals.check));
  if (deps.limiter) provider.use(underPrefix('/v2', rateLimit(deps.limiter)));
  provider.use(underPrefix('/v2', admin.routes()));
  provider.use(underPrefix('/v2', notFound));
  provider.use(completeTokenResponse(deps.onTokenIssued));
  provider.use(strictFormBody);
  provider.use(translateTokenRequest);
  provider.use(introspectJwtAccessTokens);
  provider.use(throttleFailedClientAuth(deps.redis));
  return provider;
}
