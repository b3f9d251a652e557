import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Domain } from '../../domain/index.ts';
import type { OwnerRef } from '../../domain/types.ts';
import type { Limiter } from '../../limiter/limiter.ts';
import { actorOf } from '../middleware/authenticate.ts';
import { presentAuditEvent } from '../presenters.ts';
import { queryParams } from '../request-body.ts';
import { pageQuery, toPage } from '../schemas.ts';

const owners: Array<[string, OwnerRef['type']]> = [
  ['organizations', 'organization'],
  ['stores', 'store'],
];

/** Read-only views of an owner: its rate limit and reservations, and its audit trail. */
export function ownerViewRoutes(router: Router, domain: Domain, limiter: Limiter): void {
  for (const [segment, type] of owners) {
    const owner = (ctx: Context): OwnerRef => ({ type, id: ctx.params.ownerId ?? '' });

    router.get(`/${segment}/:ownerId/rate-limit`, async (ctx) => {
      const page = toPage(queryParams(ctx, pageQuery));
      const view = await domain.applicationKeys.rateLimitView(actorOf(ctx), owner(ctx), page);
      const reserving = view.keys.filter((key) => key.reservedRateLimit > 0).map((key) => key.id);
      const usage = await limiter.usage(owner(ctx), reserving);
      ctx.body = {
        data: {
          rate_limit: view.rateLimit,
          reserved: view.reserved,
          shared_pool: view.sharedPool,
          // requests counted against each bucket in the current one-second window
          usage: { shared_pool: usage.shared },
          keys: view.keys.map((key) => ({
            id: key.id,
            name: key.name,
            reserved_rate_limit: key.reservedRateLimit,
            usage: { reserved: usage.keys.get(key.id) ?? 0 },
          })),
        },
        // `keys` is paginated (page[offset], page[limit]); the totals above cover all keys
        meta: { results: { total: view.total, ...page } },
      };
    });

    router.get(`/${segment}/:ownerId/audit-events`, async (ctx) => {
      const page = toPage(queryParams(ctx, pageQuery));
      const { items, total } = await domain.auditLog.list(actorOf(ctx), owner(ctx), page);
      ctx.body = { data: items.map(presentAuditEvent), meta: { results: { total, ...page } } };
    });
  }
}
