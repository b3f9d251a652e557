import type { Redis } from 'ioredis';
import type { OwnerRef } from '../domain/types.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../infra/logger.ts';
import type { Decision, OwnerLimits } from './gcra.ts';
import { limitsFrom, ownerKey } from './limits.ts';
import { createMemoryBuckets } from './memory-buckets.ts';
import { createRedisBuckets } from './redis-buckets.ts';

export type LimiterDeps = {
  /** Reads an owner's rate_limit and reservations from the database. */
  loadLimits: (owner: OwnerRef) => Promise<OwnerLimits>;
  /** Shared Redis; without it the limiter is in-process (one instance). */
  redis?: Redis;
  /** During a Redis outage each instance enforces limits / expectedInstances. */
  expectedInstances?: number;
  logger: Logger;
  /** Observes each decision (metrics). */
  onDecision?: (owner: OwnerRef, decision: Decision, backend: 'redis' | 'memory', seconds: number) => void;
};

const CACHE_MS = 1000;
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

/** Each instance's share of the limits while Redis is unreachable (at least 1 per bucket). */
function share(limits: OwnerLimits, instances: number): OwnerLimits {
  const part = (rate: number) => Math.max(1, Math.floor(rate / instances));
  return limitsFrom(
    part(limits.limit),
    [...limits.reservations].map(
      ([keyId, rate]) => [keyId, Math.min(part(rate), part(limits.limit))] as const,
    ),
  );
}

/**
 * One rate-limit decision per request. With Redis: the script over the shared buckets; when
 * Redis has no configuration for the owner (first use, or after a flush) it is loaded from the
 * database, written through, and the decision retried once. When Redis fails, the in-process twin
 * decides with this instance's share of the limits until Redis answers again (a warning once per
 * outage). Without Redis: the in-process twin, with limits cached for at most a second.
 */
export function createLimiter(deps: LimiterDeps) {
  const memory = createMemoryBuckets();
  const redis = deps.redis ? createRedisBuckets(deps.redis) : undefined;
  const cache = new Map<string, { limits: OwnerLimits; loadedAt: number; refreshing?: Promise<void> }>();
  let outage = false;

  const sweeper = setInterval(() => memory.sweep(nowUs()), 10_000);
  sweeper.unref();

  async function load(owner: OwnerRef): Promise<OwnerLimits> {
    const limits = await deps.loadLimits(owner);
    cache.set(ownerKey(owner), { limits, loadedAt: Date.now() });
    return limits;
  }

  /** Cached limits; a stale entry is served while it refreshes in the background. */
  async function localLimits(owner: OwnerRef): Promise<OwnerLimits> {
    const entry = cache.get(ownerKey(owner));
    if (!entry) return load(owner);
    if (Date.now() - entry.loadedAt > CACHE_MS && !entry.refreshing) {
      entry.refreshing = load(owner).then(
        () => undefined,
        (error: unknown) => {
          entry.refreshing = undefined;
          deps.logger.warn({ err: error }, 'reloading rate limits failed');
        },
      );
    }
    return entry.limits;
  }

  async function decideWithRedis(owner: OwnerRef, keyId: string, cost: number): Promise<Decision> {
    if (!redis) throw new Error('no redis');
    const name = ownerKey(owner);
    const first = await redis.decide(name, keyId, cost);
    if (first) return first;
    await redis.publish(name, await load(owner));
    const second = await redis.decide(name, keyId, cost);
    if (!second) throw new Error(`no rate-limit configuration in Redis for ${name} after publishing it`);
    return second;
  }

  return {
    async consume(owner: OwnerRef, keyId: string, cost = 1): Promise<Decision> {
      const started = performance.now();
      if (redis) {
        try {
          const decision = await decideWithRedis(owner, keyId, cost);
          if (outage) {
            outage = false;
            deps.logger.info('Redis is reachable again: back to the shared rate limiter');
          }
          deps.onDecision?.(owner, decision, 'redis', (performance.now() - started) / 1000);
          return decision;
        } catch (error) {
          if (error instanceof AppError) throw error; // e.g. the owner does not exist
          if (!outage) {
            outage = true;
            deps.logger.warn(
              { err: error, expectedInstances: deps.expectedInstances ?? 1 },
              'Redis unreachable: limiting with this instance share of each limit until it is back',
            );
          }
          const limits = share(await localLimits(owner), deps.expectedInstances ?? 1);
          const decision = memory.decide(ownerKey(owner), limits, keyId, nowUs(), cost);
          deps.onDecision?.(owner, decision, 'memory', (performance.now() - started) / 1000);
          return decision;
        }
      }
      const decision = memory.decide(ownerKey(owner), await localLimits(owner), keyId, nowUs(), cost);
      deps.onDecision?.(owner, decision, 'memory', (performance.now() - started) / 1000);
      return decision;
    },

    /** Current use of the shared pool and of each reservation (requests in the last second's window). */
    async usage(owner: OwnerRef, keyIds: string[]): Promise<{ shared: number; keys: Map<string, number> }> {
      if (redis && !outage) {
        try {
          const keys = new Map<string, number>();
          let shared = 0;
          for (const keyId of keyIds.length ? keyIds : ['']) {
            const used = await redis.usage(ownerKey(owner), keyId);
            if (!used) break;
            if (keyId) keys.set(keyId, used.key);
            shared = used.shared;
          }
          return { shared, keys };
        } catch {
          // fall through to this instance's view
        }
      }
      return memory.usage(ownerKey(owner), await localLimits(owner), nowUs());
    },

    /** Writes an owner's current limits through to Redis and to this instance's cache. */
    async publish(owner: OwnerRef): Promise<void> {
      try {
        const limits = await load(owner);
        if (redis) await redis.publish(ownerKey(owner), limits);
      } catch (error) {
        deps.logger.warn(
          { err: error, owner },
          'publishing rate limits failed; instances pick them up on their next reload',
        );
      }
    },

    close(): void {
      clearInterval(sweeper);
    },
  };
}

export type Limiter = ReturnType<typeof createLimiter>;
