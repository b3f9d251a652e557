import type { Redis } from 'ioredis';
import type { OwnerRef } from '../domain/types.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../infra/logger.ts';
import type { Decision, OwnerLimits } from './gcra.ts';
import { ownerKey } from './limits.ts';
import { createMemoryBuckets } from './memory-buckets.ts';
import { requestDebts, share } from './outage-share.ts';
import { createRedisBuckets, type Debts } from './redis-buckets.ts';

export type LimiterDeps = {
  /** Reads an owner's rate_limit and reservations from the database. */
  loadLimits: (owner: OwnerRef) => Promise<OwnerLimits>;
  /** Shared Redis; without it the limiter is in-process (one instance). */
  redis?: Redis;
  /** During a Redis outage each instance enforces limits / expectedInstances. */
  expectedInstances?: number;
  /** How long an owner's limits live in Redis before a reload from the database (default 30 s). */
  configTtlMs?: number;
  logger: Logger;
  /** Observes each decision (metrics). */
  onDecision?: (owner: OwnerRef, decision: Decision, backend: 'redis' | 'memory', seconds: number) => void;
};

const CACHE_MS = 1000;
/** How long a publication waits for the first connection (the CLI publishes right after connecting). */
const FIRST_CONNECT_WAIT_MS = 2000;
const NO_DEBTS: Debts = { keyUs: 0, sharedUs: 0 };
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

function whenReady(redis: Redis, ms: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    redis.once('ready', done);
  });
}

/**
 * One rate-limit decision per request. With Redis: the script over the shared buckets; when
 * Redis has no configuration for the owner (first use, a flush, or its TTL ran out) it is loaded
 * from the database, written unless another instance did so first, and the decision retried once.
 *
 * When Redis fails, the in-process twin decides with this instance's share of the limits, starting
 * with every bucket nearly spent (what Redis admitted just before is unknown), and Redis is not asked
 * again until the connection is back. The first decisions after that carry what the twin admitted
 * in its last second into the shared buckets (see outage-share.ts). One warning when the outage
 * starts, one when it ends. Publications that failed are retried when Redis is back; the TTL of
 * the configuration heals whatever is still missed. Without Redis: the in-process twin, with
 * limits cached for at most a second.
 */
export function createLimiter(deps: LimiterDeps) {
  const memory = createMemoryBuckets();
  const connection = deps.redis;
  const redis = connection ? createRedisBuckets(connection, { configTtlMs: deps.configTtlMs }) : undefined;
  const instances = deps.expectedInstances ?? 1;
  const cache = new Map<string, { limits: OwnerLimits; loadedAt: number; refreshing?: Promise<void> }>();
  const filling = new Map<string, Promise<void>>();
  const unpublished = new Map<string, OwnerRef>();
  /** Twin buckets whose debt was already carried into Redis since the last outage began. */
  const settled = new Set<string>();
  let outage = false;
  let republishing: Promise<void> | undefined;
  let everReady = connection?.status === 'ready';
  connection?.on('ready', () => (everReady = true));

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

  /** After a miss: load from the database and write unless someone else did (one load per owner at a time). */
  function fill(owner: OwnerRef): Promise<void> {
    const name = ownerKey(owner);
    let pending = filling.get(name);
    if (!pending) {
      pending = (async () => {
        await redis?.publish(name, await load(owner), 'fill');
      })().finally(() => filling.delete(name));
      filling.set(name, pending);
    }
    return pending;
  }

  /** What the twin admitted for this request's buckets and Redis has not been told yet. */
  function takeDebts(name: string, keyId: string): { debts: Debts; marks: string[] } {
    const tats = memory.tatsOf(name);
    const limits = cache.get(name)?.limits;
    if (!tats || !limits) return { debts: NO_DEBTS, marks: [] };
    const keyMark = `${name} k:${keyId}`;
    const sharedMark = `${name} shared`;
    const debts = requestDebts(tats, limits, instances, keyId, nowUs(), {
      key: settled.has(keyMark),
      shared: settled.has(sharedMark),
    });
    const marks = [...(debts.keyUs > 0 ? [keyMark] : []), ...(debts.sharedUs > 0 ? [sharedMark] : [])];
    for (const mark of marks) settled.add(mark);
    return { debts, marks };
  }

  async function decideWithRedis(owner: OwnerRef, keyId: string, cost: number): Promise<Decision> {
    if (!redis) throw new Error('no redis');
    const name = ownerKey(owner);
    const { debts, marks } = takeDebts(name, keyId);
    try {
      const first = await redis.decide(name, keyId, cost, debts);
      if (first) return first;
      await fill(owner);
      // a missing configuration returns before touching the buckets: the debts still apply
      const second = await redis.decide(name, keyId, cost, debts);
      if (!second) throw new Error(`no rate-limit configuration in Redis for ${name} after publishing it`);
      return second;
    } catch (error) {
      for (const mark of marks) settled.delete(mark);
      throw error;
    }
  }

  function startOutage(error: unknown): void {
    if (outage) return;
    outage = true;
    memory.reset(nowUs());
    settled.clear();
    deps.logger.warn(
      { err: error, expectedInstances: instances },
      'Redis unreachable: limiting with this instance share of each limit until it is back',
    );
  }

  function endOutage(): void {
    if (!outage) return;
    outage = false;
    deps.logger.warn('Redis is reachable again: back to the shared rate limiter');
  }

  /** Retries the publications that failed, in the background, once Redis answers again. */
  function republish(): void {
    if (republishing || unpublished.size === 0) return;
    republishing = (async () => {
      for (const [name, owner] of [...unpublished]) {
        try {
          await redis?.publish(name, await load(owner), 'replace');
          unpublished.delete(name);
        } catch (error) {
          if (error instanceof AppError)
            unpublished.delete(name); // the owner is gone
          else return; // still failing: the next successful decision tries again
        }
      }
    })().finally(() => (republishing = undefined));
  }

  function twinDecision(owner: OwnerRef, limits: OwnerLimits, keyId: string, cost: number): Decision {
    return memory.decide(ownerKey(owner), limits, keyId, nowUs(), cost);
  }

  return {
    async consume(owner: OwnerRef, keyId: string, cost = 1): Promise<Decision> {
      const started = performance.now();
      const observe = (decision: Decision, backend: 'redis' | 'memory') => {
        deps.onDecision?.(owner, decision, backend, (performance.now() - started) / 1000);
        // one line per decision at trace level (off by default): what the fault tests count
        deps.logger.trace(
          {
            owner: ownerKey(owner),
            allowed: decision.allowed,
            pool: decision.pool,
            backend,
            sharedQuota: decision.sharedQuota,
          },
          'rate-limit decision',
        );
        return decision;
      };
      if (!redis || !connection)
        return observe(twinDecision(owner, await localLimits(owner), keyId, cost), 'memory');
      if (!outage || connection.status === 'ready') {
        try {
          const decision = await decideWithRedis(owner, keyId, cost);
          endOutage();
          republish();
          return observe(decision, 'redis');
        } catch (error) {
          if (error instanceof AppError) throw error; // e.g. the owner does not exist
          startOutage(error);
        }
      }
      const limits = share(await localLimits(owner), instances);
      return observe(twinDecision(owner, limits, keyId, cost), 'memory');
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

    /**
     * Writes an owner's current limits through to Redis and to this instance's cache. A failure is
     * logged and remembered: the publication is retried once Redis answers, and the configuration's
     * TTL bounds how long any instance can act on the old limits.
     */
    async publish(owner: OwnerRef): Promise<void> {
      const name = ownerKey(owner);
      try {
        const limits = await load(owner);
        if (!redis || !connection) return;
        if (!everReady) await whenReady(connection, FIRST_CONNECT_WAIT_MS);
        await redis.publish(name, limits, 'replace');
        unpublished.delete(name);
      } catch (error) {
        if (redis) unpublished.set(name, owner);
        deps.logger.warn(
          { err: error, owner },
          'publishing rate limits failed; retried when Redis answers, and expired everywhere within the configuration TTL',
        );
      }
    },

    close(): void {
      clearInterval(sweeper);
    },
  };
}

export type Limiter = ReturnType<typeof createLimiter>;
