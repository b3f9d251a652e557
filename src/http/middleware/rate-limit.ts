import type { Context, Next } from 'koa';
import { AppError } from '../../errors.ts';
import type { Limiter } from '../../limiter/limiter.ts';
import { rateLimitHeaders } from '../../limiter/headers.ts';
import { actorOf } from './authenticate.ts';

/**
 * Charges every authenticated admin request to its key's reservation, then the owner's shared
 * pool (implicit tokens as their key); answers 429 with Retry-After when both are spent. Every
 * response carries RateLimit-Policy and RateLimit naming the pool charged.
 */
export function rateLimit(limiter: Limiter) {
  return async function rateLimitMiddleware(ctx: Context, next: Next): Promise<void> {
    const actor = actorOf(ctx);
    if (actor.kind === 'cli') return next();
    const decision = await limiter.consume(actor.owner, actor.keyId);
    const headers = rateLimitHeaders(decision);
    ctx.set(headers);
    if (!decision.allowed)
      throw new AppError(
        'rate_limited',
        `Rate limit exceeded for the ${actor.owner.type}'s ${decision.pool === 'key' ? "key's reservation and its shared pool" : 'shared pool'}; retry after ${headers['Retry-After']} s.`,
        { headers },
      );
    await next();
  };
}
