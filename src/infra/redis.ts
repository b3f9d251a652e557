import { Redis } from 'ioredis';
import type { Logger } from './logger.ts';

/**
 * A Redis connection for the limiter that fails fast instead of queueing: ioredis's defaults held
 * requests for more than 5 s while Redis was down. With no offline queue and a short command
 * timeout, a command fails at once (or after `commandTimeoutMs`) and the limiter falls back to its
 * in-process insurance; ioredis keeps reconnecting in the background.
 */
export function createRedis(url: string, logger: Logger, commandTimeoutMs = 100): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    // the commands of one turn of the event loop (concurrent requests' limiter decisions) go out
    // in one write: under load, one socket write for many requests instead of one each
    enableAutoPipelining: true,
    // at most 200 ms between attempts, so that the shared limits apply again soon after Redis returns
    // (and the instances switch back together: see README "When Redis fails")
    retryStrategy: (attempt) => Math.min(50 * attempt, 200),
  });
  redis.on('error', (error: Error) => logger.debug({ err: error.message }, 'redis connection error'));
  return redis;
}
