import type Router from '@koa/router';
import { z } from 'zod';
import type { Domain } from '../../domain/index.ts';
import type { Member } from '../../domain/types.ts';
import { actorOf } from '../middleware/authenticate.ts';
import { ownerParam, ownerRoutes } from '../owner-routes.ts';
import { withWarnings } from '../presenters.ts';
import { jsonBody, queryParams } from '../request-body.ts';
import { envelope, pageQuery, toPage } from '../schemas.ts';

const email = z.email().max(320);
const addMember = envelope({
  email,
  role: z.enum(['org_admin', 'store_owner', 'store_admin', 'store_member']),
});
const setPermissions = envelope({ manage_application_keys: z.boolean() });

export function presentMembership(m: Member) {
  return {
    id: m.id,
    type: 'membership',
    user_id: m.userId,
    email: m.email,
    role: m.role,
    owner: m.owner,
    permissions: { manage_application_keys: m.permissions.manageApplicationKeys },
    totp_enrolled: m.totpEnrolled,
  };
}

/** Members of organizations and stores, and the delegated key-management permission. */
export function memberRoutes(router: Router, domain: Domain): void {
  const { memberships } = domain;
  for (const { prefix, type } of ownerRoutes) {
    const owner = ownerParam(type);
    const base = `${prefix}/members`;

    router.post(base, async (ctx) => {
      const { data } = await jsonBody(ctx, addMember);
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

    router.put(`${base}/:userId/permissions`, async (ctx) => {
      const { data } = await jsonBody(ctx, setPermissions);
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
