import type Router from '@koa/router';
import type { Domain } from '../../domain/index.ts';
import type { Limiter } from '../../limiter/limiter.ts';
import { actorOf } from '../middleware/authenticate.ts';
import { ownerParam, ownerRoutes } from '../owner-routes.ts';
import { queryParams } from '../request-body.ts';
import { presentAuditEvent } from '../../resources/audit-events.ts';
import { presentRateLimitView } from '../../resources/rate-limit.ts';
import { pageQuery, toPage } from '../../resources/shapes.ts';

/** Read-only views of an owner: its rate limit and reservations, and its audit trail. */
export function ownerViewRoutes(router: Router, domain: Domain, limiter: Limiter): void {
  for (const { prefix, type } of ownerRoutes) {
    const owner = ownerParam(type);

    router.get(`${prefix}/rate-limit`, async (ctx) => {
      const page = toPage(queryParams(ctx, pageQuery));
      const view = await domain.applicationKeys.rateLimitView(actorOf(ctx), owner(ctx), page);
      const reserving = view.keys.filter((key) => key.reservedRateLimit > 0).map((key) => key.id);
      const usage = await limiter.usage(owner(ctx), reserving);
      ctx.body = presentRateLimitView(view, usage, page);
    });

    router.get(`${prefix}/audit-events`, async (ctx) => {
      const page = toPage(queryParams(ctx, pageQuery));
      const { items, total } = await domain.auditLog.list(actorOf(ctx), owner(ctx), page);
      ctx.body = { data: items.map(presentAuditEvent), meta: { results: { total, ...page } } };
    });
  }
}
