import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * A rate-limiter-flexible counter of `points` per `duration` seconds: in Redis when there is one
 * (with an in-memory insurance limiter while Redis is unreachable), in memory otherwise.
 */
export function counterLimiter(
  redis: Redis | undefined,
  keyPrefix: string,
  points: number,
  duration: number,
): RateLimiterAbstract {
  const memory = new RateLimiterMemory({ keyPrefix, points, duration });
  return redis
    ? new RateLimiterRedis({
        storeClient: redis,
        keyPrefix,
        points,
        duration,
        insuranceLimiter: memory,
        rejectIfRedisNotReady: true,
      })
    : memory;
}
