import { once } from 'node:events';
import type { Redis } from 'ioredis';
import type { Logger } from '../infra/logger.ts';
import type { ClientCache } from './client-cache.ts';

/** The one channel on which instances (and the CLI) announce the client id of a changed key. */
export const CLIENT_CHANGES_CHANNEL = 'appkeys:client-changed';

/** How long a cached client may live while no invalidation channel is up: the contract's 1 s. */
export const UNSUBSCRIBED_LIFETIME_MS = 1000;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Where instances announce the digest of a revoked token (token-cache.ts): never the token itself. */
export const TOKEN_REVOCATIONS_CHANNEL = 'appkeys:token-revoked';

/**
 * Announces a change on `channel` (a changed client's id, a revoked token's digest) to the other
 * instances. Never throws: a change whose publication failed reaches an instance whose
 * subscription stayed up when its cached entry expires (CLIENT_CACHE_TTL_MS), and one whose
 * subscription was down within 1 s.
 */
export function createChangePublisher(redis: Redis, channel: string, logger: Logger) {
  return async function publishChange(id: string): Promise<void> {
    try {
      // a fresh connection (the CLI's) may still be connecting: wait a little rather than drop it
      if (redis.status !== 'ready') await once(redis, 'ready', { signal: AbortSignal.timeout(1000) });
      await redis.publish(channel, id);
    } catch (error) {
      logger.warn({ err: message(error), channel, id }, 'change not published to other instances');
    }
  };
}

export type InvalidatedCache = Pick<ClientCache<unknown>, 'forget' | 'clear' | 'setLifetime'>;

/**
 * Keeps this instance's caches exact: every id announced on a cache's channel is forgotten from
 * it. While the subscription is up, entries live `lifetimeMs`; while it is down (Redis
 * unreachable, or not yet subscribed), 1 s. Announcements made while it was down are lost, so
 * every cache is cleared each time it goes down and each time it is (re)subscribed.
 */
export function keepCachesFresh(
  redis: Redis,
  caches: ReadonlyMap<string, InvalidatedCache>,
  options: { lifetimeMs: number },
  logger: Logger,
): { close(): void } {
  // a connection of its own: a subscribed connection can issue no other command
  const subscriber = redis.duplicate({
    autoResubscribe: false,
    enableOfflineQueue: false,
    enableAutoPipelining: false,
  });
  let up = false;
  const all = [...caches.values()];
  const reset = (lifetimeMs: number) => {
    for (const cache of all) {
      cache.clear();
      cache.setLifetime(lifetimeMs);
    }
  };
  for (const cache of all) cache.setLifetime(UNSUBSCRIBED_LIFETIME_MS);
  subscriber.on('error', (error: Error) => logger.debug({ err: error.message }, 'redis subscriber error'));
  subscriber.on('message', (channel: string, id: string) => caches.get(channel)?.forget(id));
  subscriber.on('ready', () => {
    subscriber.subscribe(...caches.keys()).then(
      () => {
        reset(options.lifetimeMs);
        up = true;
        logger.info('client cache: invalidations subscribed');
      },
      (error: unknown) => {
        logger.warn({ err: message(error) }, 'client cache: subscribing failed, reconnecting');
        subscriber.disconnect(true);
      },
    );
  });
  subscriber.on('close', () => {
    if (!up) return;
    up = false;
    reset(UNSUBSCRIBED_LIFETIME_MS);
    logger.warn('client cache: invalidations lost, clients and tokens live 1 s until Redis is back');
  });
  return { close: () => subscriber.disconnect() };
}
