import type Router from '@koa/router';
import type { Domain } from '../../domain/index.ts';
import { actorOf } from '../middleware/authenticate.ts';
import { ownerParam, ownerRoutes } from '../owner-routes.ts';
import { jsonBody, queryParams } from '../request-body.ts';
import { addMemberInput, presentMembership, setPermissionsInput } from '../../resources/memberships.ts';
import { pageQuery, toPage, withWarnings } from '../../resources/shapes.ts';

/** Members of organizations and stores, and the delegated key-management permission. */
export function memberRoutes(router: Router, domain: Domain): void {
  const { memberships } = domain;
  for (const { prefix, type } of ownerRoutes) {
    const owner = ownerParam(type);
    const base = `${prefix}/members`;

    router.post(base, async (ctx) => {
      const { data } = await jsonBody(ctx, addMemberInput);
      const membership = await memberships.add(actorOf(ctx), owner(ctx), data);
      ctx.status = 201;
      ctx.body = { data: presentMembership(membership) };
    });

    router.get(base, async (ctx) => {
      const page = toPage(queryParams(ctx, pageQuery));
      const { items, total } = await memberships.list(actorOf(ctx), owner(ctx), page);
      ctx.body = { data: items.map(presentMembership), meta: { results: { total, ...page } } };
    });

    router.delete(`${base}/:userId`, async (ctx) => {
      await memberships.remove(actorOf(ctx), owner(ctx), ctx.params.userId ?? '');
      ctx.status = 204;
    });

    // manage_application_keys is a store permission (DESIGN.md section 1): no organization route
    if (type !== 'store') continue;
    router.put(`${base}/:userId/permissions`, async (ctx) => {
      const { data } = await jsonBody(ctx, setPermissionsInput);
      const { membership, warnings } = await memberships.setPermissions(
        actorOf(ctx),
        owner(ctx),
        ctx.params.userId ?? '',
        data.manage_application_keys,
      );
      ctx.body = { data: presentMembership(membership), ...withWarnings(warnings) };
    });
  }
}
