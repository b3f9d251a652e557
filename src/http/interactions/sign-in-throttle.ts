import type { Redis } from 'ioredis';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { counterLimiter as limiter } from '../../infra/counter-limiter.ts';

/**
 * Slows down password guessing (rate-limiter-flexible): failed sign-ins are counted per address
 * and account (5 per 15 minutes), per account from anywhere (20 per hour) and per address
 * (50 per hour). Past any of them, sign-in is refused until the counter expires.
 */
export function createSignInThrottle(redis?: Redis) {
  const rules = [
    {
      limiter: limiter(redis, 'appkeys:signin:ip-account', 5, 15 * 60),
      key: (ip: string, account: string) => `${ip}|${account}`,
    },
    {
      limiter: limiter(redis, 'appkeys:signin:account', 20, 60 * 60),
      key: (_ip: string, account: string) => account,
    },
    { limiter: limiter(redis, 'appkeys:signin:ip', 50, 60 * 60), key: (ip: string) => ip },
  ];
  return {
    /** Seconds until another attempt is allowed, or 0. */
    async blockedFor(ip: string, account: string): Promise<number> {
      let wait = 0;
      for (const rule of rules) {
        const state = await rule.limiter.get(rule.key(ip, account)).catch(() => null);
        if (state instanceof RateLimiterRes && state.consumedPoints >= rule.limiter.points)
          wait = Math.max(wait, Math.ceil(state.msBeforeNext / 1000));
      }
      return wait;
    },
    async failed(ip: string, account: string): Promise<void> {
      await Promise.all(
        rules.map((rule) => rule.limiter.penalty(rule.key(ip, account), 1).catch(() => undefined)),
      );
    },
    async succeeded(ip: string, account: string): Promise<void> {
      await rules[0]!.limiter.delete(rules[0]!.key(ip, account)).catch(() => undefined);
    },
  };
}

export type SignInThrottle = ReturnType<typeof createSignInThrottle>;
