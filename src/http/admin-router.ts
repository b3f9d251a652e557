import Router from '@koa/router';
import type { Domain } from '../domain/index.ts';
import type { Limiter } from '../limiter/limiter.ts';
import { applicationKeyRoutes } from './routes/application-keys.ts';
import { organizationRoutes } from './routes/organizations.ts';
import { ownerViewRoutes } from './routes/owner-views.ts';
import { memberRoutes } from './routes/members.ts';
import { meRoutes } from './routes/me.ts';
import type { SignInThrottle } from './interactions/sign-in-throttle.ts';

/** The admin API under /v2 (authentication and rate limiting run before it, see app.ts). */
export function adminRouter(deps: {
  domain: Domain;
  limiter: Limiter;
  signInThrottle: SignInThrottle;
}): Router {
  const router = new Router({ prefix: '/v2' });
  organizationRoutes(router, deps.domain);
  applicationKeyRoutes(router, deps.domain);
  ownerViewRoutes(router, deps.domain, deps.limiter);
  memberRoutes(router, deps.domain);
  meRoutes(router, deps.domain, deps.signInThrottle);
  return router;
}
