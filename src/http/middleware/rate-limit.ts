import type { Context, Next } from 'koa';
import type { Meter } from '../../domain/payer.ts';
import { AppError } from '../../errors.ts';
import type { Limiter } from '../../limiter/limiter.ts';
import { rateLimitHeaders } from '../../limiter/headers.ts';
import { actorOf } from './authenticate.ts';

/** Set once the request was charged to an owner (the refusal throttle counts only uncharged refusals). */
export const chargedOf = (ctx: Context): boolean => ctx.state.charged === true;

/**
 * The request's meter: the domain calls it right after authorizing (domain/authorize.ts), with
 * the payer it chose (domain/payer.ts). It charges the payer's key reservation, then the owner's
 * shared pool, once per request; answers 429 with Retry-After when both are spent; and sets
 * RateLimit-Policy and RateLimit naming the pool charged.
 */
function requestMeter(ctx: Context, limiter: Limiter): Meter {
  return async ({ owner, keyId }) => {
    if (chargedOf(ctx)) return;
    ctx.state.charged = true;
    const decision = await limiter.consume(owner, keyId);
    const headers = rateLimitHeaders(decision);
    ctx.set(headers);
    if (!decision.allowed)
      throw new AppError(
        'rate_limited',
        `Rate limit exceeded for the ${owner.type}'s ${decision.pool === 'key' ? "key's reservation and its shared pool" : 'shared pool'}; retry after ${headers['Retry-After']} s.`,
        { headers },
      );
  };
}

/**
 * Gives the authenticated actor its meter. Nothing is charged here: what a request costs, and to
 * whom, is decided where it is authorized, so refused requests (401, 403, 404) spend no owner's
 * pools.
 */
export function rateLimit(limiter: Limiter) {
  return async function rateLimitMiddleware(ctx: Context, next: Next): Promise<void> {
    ctx.state.actor = { ...actorOf(ctx), meter: requestMeter(ctx, limiter) };
    await next();
  };
}
