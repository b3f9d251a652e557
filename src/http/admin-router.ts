import Router from '@koa/router';
import type { Domain } from '../domain/index.ts';
import type { Limiter } from '../limiter/limiter.ts';
import { applicationKeyRoutes } from './routes/application-keys.ts';
import { organizationRoutes } from './routes/organizations.ts';
import { ownerViewRoutes } from './routes/owner-views.ts';
import { memberRoutes } from './routes/members.ts';
import { meRoutes } from './routes/me.ts';
import type { SignInThrottle } from './interactions/sign-in-throttle.ts';

/**
 * The admin API under /v2 (authentication and metering run before it, see app.ts). It matches
 * paths exactly (case-sensitive, no trailing slash): canonicalPath has already given every path
 * its canonical spelling from this router's own table (`routePatterns`).
 */
export function adminRouter(deps: {
  domain: Domain;
  limiter: Limiter;
  signInThrottle: SignInThrottle;
}): Router {
  const router = new Router({ prefix: '/v2', sensitive: true, strict: true });
  organizationRoutes(router, deps.domain);
  applicationKeyRoutes(router, deps.domain);
  ownerViewRoutes(router, deps.domain, deps.limiter);
  memberRoutes(router, deps.domain);
  meRoutes(router, deps.domain, deps.signInThrottle);
  return router;
}

/** The path patterns a router serves (`/v2/stores/:ownerId/rate-limit`, ...), for canonicalPath. */
export const routePatterns = (router: Router): string[] =>
  router.stack.map((layer) => layer.path).filter((path): path is string => typeof path === 'string');
