import type { Redis } from 'ioredis';
import type { Context, Next } from 'koa';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { actorRef } from '../../domain/actors.ts';
import { AppError } from '../../errors.ts';
import { counterLimiter } from '../../infra/counter-limiter.ts';
import { chargedOf } from './rate-limit.ts';

export type RefusalThrottleOptions = { points: number; seconds: number };

const callerOf = (ctx: Context): string => {
  const { actor } = ctx.state;
  if (!actor) return `address:${ctx.ip}`;
  const ref = actorRef(actor);
  return `${ref.type}:${ref.id ?? ''}`;
};

const statusOf = (thrown: unknown) => {
  const status = (thrown as { status?: unknown }).status;
  return typeof status === 'number' ? status : 500;
};

/**
 * Refused admin requests are charged to no owner (rate-limit.ts), so they are slowed down per
 * caller instead (rate-limiter-flexible, in Redis when configured): every request that ends in
 * a 4xx other than 429 without having been charged counts against its caller, the calling key or
 * person, or the address when it did not authenticate. Past `points` in `seconds`, the caller
 * gets 429 with Retry-After until the window ends.
 *
 * Two steps: `count` wraps authentication (and checks the address's allowance, which only
 * unauthenticated refusals spend); `check` runs after it (the key's or person's allowance).
 */
export function refusalThrottle(
  redis: Redis | undefined,
  options: RefusalThrottleOptions = { points: 100, seconds: 60 },
) {
  const counter = counterLimiter(redis, 'appkeys:refused', options.points, options.seconds);

  async function assertAllowed(caller: string): Promise<void> {
    const state = await counter.get(caller).catch(() => null);
    if (state instanceof RateLimiterRes && state.consumedPoints >= options.points) {
      const retryAfter = String(Math.max(1, Math.ceil(state.msBeforeNext / 1000)));
      throw new AppError('rate_limited', `Too many refused requests; retry after ${retryAfter} s.`, {
        headers: { 'Retry-After': retryAfter },
      });
    }
  }

  async function countIfRefused(ctx: Context, status: number): Promise<void> {
    if (status < 400 || status >= 500 || status === 429 || chargedOf(ctx)) return;
    await counter.penalty(callerOf(ctx), 1).catch(() => undefined);
  }

  return {
    async count(ctx: Context, next: Next): Promise<void> {
      await assertAllowed(callerOf(ctx));
      try {
        await next();
      } catch (thrown) {
        await countIfRefused(ctx, statusOf(thrown));
        throw thrown;
      }
      await countIfRefused(ctx, ctx.status);
    },
    async check(ctx: Context, next: Next): Promise<void> {
      await assertAllowed(callerOf(ctx));
      await next();
    },
  };
}
