import type Provider from 'oidc-provider';
import type Router from '@koa/router';
import type { Repositories } from './domain/ports.ts';
import type { Logger } from './infra/logger.ts';
import { healthRoutes } from './http/health-routes.ts';
import { answerDatabaseUnavailable } from './http/middleware/database-unavailable.ts';
import { authenticate } from './http/middleware/authenticate.ts';
import { notFound } from './http/middleware/not-found.ts';
import { pathAliases } from './http/path-aliases.ts';
import { renderErrors } from './http/middleware/render-errors.ts';
import { requestLog } from './http/middleware/request-log.ts';
import { strictFormBody } from './http/middleware/strict-form-body.ts';
import { underPrefix } from './http/middleware/under-prefix.ts';
import { translateTokenRequest } from './oauth/token-request.ts';
import { rateLimit } from './http/middleware/rate-limit.ts';
import type { Limiter } from './limiter/limiter.ts';
import type { Redis } from 'ioredis';
import { throttleFailedClientAuth } from './oauth/failed-auth-throttle.ts';
import { completeTokenResponse } from './oauth/token-response.ts';
import type { TrustProxy } from './config/trust-proxy.ts';
import { clientAddress } from './http/client-address.ts';
import { noStore } from './http/middleware/no-store.ts';

export type AppDeps = {
  provider: Provider;
  /** Which proxies may tell the client's address and scheme (TRUST_PROXY). */
  trustProxy: TrustProxy;
  admin: Router;
  /** The sign-in pages. */
  interactions: Router;
  /** The web console's page and assets (/console). */
  console: Router;
  authenticate: { provider: Provider; repos: Repositories };
  onTokenIssued: (clientId: string, grant: string) => void;
  /** Absent only in the limiter-overhead benchmark. */
  limiter: Limiter | undefined;
  redis: Redis | undefined;
  logger: Logger;
  ping: () => Promise<void>;
};

/**
 * Assembles the HTTP application on the provider (which is a Koa app): request log, path aliases,
 * health, the /v2 admin API (JSON errors, Bearer authentication, routes, JSON 404), and for the
 * rest oidc-provider's own routes, with token requests translated and responses completed.
 */
export function assembleApp(deps: AppDeps): Provider {
  const { provider, admin, logger } = deps;
  const health = healthRoutes({ ping: deps.ping });
  // first: the client's address and scheme, which the log, the throttles and cookies depend on
  provider.use(clientAddress(deps.trustProxy, provider.issuer));
  provider.use(requestLog(logger));
  provider.use(answerDatabaseUnavailable(provider, logger));
  provider.use(pathAliases);
  provider.use(health.routes());
  provider.use(deps.interactions.routes());
  provider.use(deps.console.routes());
  provider.use(underPrefix('/v2', noStore));
  provider.use(underPrefix('/v2', renderErrors(logger)));
  provider.use(underPrefix('/v2', authenticate(deps.authenticate)));
  if (deps.limiter) provider.use(underPrefix('/v2', rateLimit(deps.limiter)));
  provider.use(admin.routes());
  provider.use(underPrefix('/v2', notFound));
  provider.use(completeTokenResponse(deps.onTokenIssued));
  provider.use(strictFormBody);
  provider.use(translateTokenRequest);
  provider.use(throttleFailedClientAuth(deps.redis));
  return provider;
}
