import type { Redis } from 'ioredis';
import type { OwnerRef } from '../domain/types.ts';
import { AppError } from '../errors.ts';
import type { OwnerLimits } from './gcra.ts';
import { limitsFrom, ownerKey } from './limits.ts';
import { redisKeys } from './redis-script.ts';

/** What a resource server without a database answers when it cannot know an owner's limits. */
const unavailable = (cause?: unknown) =>
  new AppError('unavailable', 'The rate limits of this token are not available yet; retry shortly.', {
    expose: true,
    cause,
    headers: { 'Retry-After': '1' },
  });

/**
 * Limits read from the configuration hash appkeys publishes (`appkeys:rl:{owner}:cfg`), for a
 * resource server without a database. No hash (it expired, or Redis restarted) or no Redis: an
 * AppError 503, so the request is refused rather than let through unlimited. The limiter keeps the
 * last limits read (at most 1 s old in normal operation) for its Redis-outage fallback.
 */
export function redisLimitsLoader(redis: Redis) {
  return async function loadLimits(owner: OwnerRef): Promise<OwnerLimits> {
    let hash: Record<string, string>;
    try {
      hash = await redis.hgetall(redisKeys(ownerKey(owner), '').config);
    } catch (error) {
      throw unavailable(error);
    }
    const limit = Number(hash.limit);
    if (hash.limit === undefined || !Number.isFinite(limit)) throw unavailable();
    const reservations = Object.entries(hash)
      .filter(([field]) => field.startsWith('k:'))
      .map(([field, rate]) => [field.slice(2), Number(rate)] as const);
    return limitsFrom(limit, reservations);
  };
}
