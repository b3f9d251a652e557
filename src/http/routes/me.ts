import type Router from '@koa/router';
import { z } from 'zod';
import type { Domain } from '../../domain/index.ts';
import { heldAdminScopes } from '../../domain/permissions.ts';
import { AppError } from '../../errors.ts';
import type { SignInThrottle } from '../interactions/sign-in-throttle.ts';
import { actorOf } from '../middleware/authenticate.ts';
import { jsonBody } from '../request-body.ts';
import { envelope } from '../schemas.ts';
import { presentMembership } from './members.ts';

const verify = envelope({ otp: z.string().regex(/^\d{6}$/, 'must be 6 digits') });
// lengths are checked by the domain, which says what the rule is
const changePassword = envelope({
  current_password: z.string().max(4096),
  new_password: z.string().max(4096),
});

/** The signed-in person: memberships, their password, and enrolling the TOTP second factor. */
export function meRoutes(router: Router, domain: Domain, throttle: SignInThrottle): void {
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

  // a wrong current password counts like a failed sign-in (same throttle, per address and account)
  router.post('/me/password', async (ctx) => {
    const actor = actorOf(ctx);
    const account = `password:${actor.kind === 'user' ? actor.userId : ''}`;
    const wait = await throttle.blockedFor(ctx.ip, account);
    if (wait > 0)
      throw new AppError('rate_limited', `Too many wrong passwords; retry after ${wait} s.`, {
        headers: { 'Retry-After': String(wait) },
      });
    const { data } = await jsonBody(ctx, changePassword);
    const result = await users.changePassword(actor, data.current_password, data.new_password);
    if (result.outcome === 'wrong_password') {
      await throttle.failed(ctx.ip, account);
      throw new AppError('forbidden', 'The current password is not correct.');
    }
    await throttle.succeeded(ctx.ip, account);
    ctx.status = 204;
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
