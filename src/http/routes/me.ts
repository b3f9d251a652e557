import type Router from '@koa/router';
import { z } from 'zod';
import type { Domain } from '../../domain/index.ts';
import { heldAdminScopes } from '../../domain/permissions.ts';
import { actorOf } from '../middleware/authenticate.ts';
import { jsonBody } from '../request-body.ts';
import { envelope } from '../schemas.ts';
import { presentMembership } from './members.ts';

const verify = envelope({ otp: z.string().regex(/^\d{6}$/, 'must be 6 digits') });

/** The signed-in person: memberships, and enrolling the TOTP second factor. */
export function meRoutes(router: Router, domain: Domain): void {
  const { users, memberships } = domain;

  router.get('/me', async (ctx) => {
    const user = await users.me(actorOf(ctx));
    const mine = await memberships.ofUser(user.id);
    ctx.body = {
      data: {
        id: user.id,
        type: 'user',
        email: user.email,
        operator: user.operator,
        totp_enrolled: user.totpEnrolled,
        // with the admin scopes each membership lets the person give a key (what a console offers)
        memberships: mine.map((m) => ({
          ...presentMembership(m),
          scopes: [...heldAdminScopes(actorOf(ctx), { owner: m.owner, organizationId: m.organizationId })],
        })),
      },
    };
  });

  router.post('/me/totp', async (ctx) => {
    const { secret, otpauthUri } = await users.enrolTotp(actorOf(ctx));
    ctx.status = 201;
    ctx.body = { data: { type: 'totp', secret, otpauth_uri: otpauthUri, enrolled: false } };
  });

  router.post('/me/totp/verify', async (ctx) => {
    const { data } = await jsonBody(ctx, verify);
    await users.confirmTotp(actorOf(ctx), data.otp);
    ctx.body = { data: { type: 'totp', enrolled: true } };
  });
}
