import type Router from '@koa/router';
import type { Domain } from '../../domain/index.ts';
import { heldAdminScopes } from '../../domain/permissions.ts';
import { AppError } from '../../errors.ts';
import type { SignInThrottle } from '../interactions/sign-in-throttle.ts';
import { actorOf } from '../middleware/authenticate.ts';
import { jsonBody } from '../request-body.ts';
import {
  changePasswordInput,
  presentMe,
  presentTotpConfirmed,
  presentTotpEnrolment,
  verifyTotpInput,
} from '../../resources/users.ts';

/** The signed-in person: memberships, their password, and enrolling the TOTP second factor. */
export function meRoutes(router: Router, domain: Domain, throttle: SignInThrottle): void {
  const { users, memberships } = domain;

  router.get('/me', async (ctx) => {
    const user = await users.me(actorOf(ctx));
    const mine = await memberships.ofUser(user.id);
    const actor = actorOf(ctx);
    // with the admin scopes each membership lets the person give a key (what a console offers)
    const withScopes = mine.map((m) => ({
      ...m,
      scopes: heldAdminScopes(actor, { owner: m.owner, organizationId: m.organizationId }),
    }));
    ctx.body = { data: presentMe(user, withScopes) };
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
    const { data } = await jsonBody(ctx, changePasswordInput);
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
    ctx.body = { data: presentTotpEnrolment(secret, otpauthUri) };
  });

  router.post('/me/totp/verify', async (ctx) => {
    const { data } = await jsonBody(ctx, verifyTotpInput);
    await users.confirmTotp(actorOf(ctx), data.otp);
    ctx.body = { data: presentTotpConfirmed() };
  });
}
