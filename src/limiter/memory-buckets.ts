import { decide, TAU_US, usage, type Decision, type OwnerLimits, type Pool } from './gcra.ts';

/**
 * The in-process twin of the Redis script: the same GCRA decision over a Map of TATs. Used when
 * there is no REDIS_URL (one instance), and as the insurance limiter while Redis is unreachable.
 */
export function createMemoryBuckets() {
  const tats = new Map<string, number>();
  const bucketId = (owner: string, pool: Pool, keyId: string) =>
    pool === 'key' ? `${owner}|k|${keyId}` : `${owner}|s`;

  return {
    decide(owner: string, limits: OwnerLimits, keyId: string, now: number, cost: number): Decision {
      return decide(limits, keyId, now, cost, {
        get: (pool) => tats.get(bucketId(owner, pool, keyId)),
        set: (pool, tat) => tats.set(bucketId(owner, pool, keyId), tat),
      });
    },
    usage(owner: string, limits: OwnerLimits, now: number) {
      const keys = new Map<string, number>();
      for (const [keyId, rate] of limits.reservations)
        keys.set(keyId, usage(tats.get(bucketId(owner, 'key', keyId)), now, rate));
      return {
        shared: usage(tats.get(bucketId(owner, 'shared', '')), now, limits.limit - limits.reserved),
        keys,
      };
    },
    /** Forgets buckets that are full again (their TAT is in the past), so the Map stays small. */
    sweep(now: number): void {
      for (const [id, tat] of tats) if (tat <= now - TAU_US) tats.delete(id);
    },
    get size() {
      return tats.size;
    },
  };
}

export type MemoryBuckets = ReturnType<typeof createMemoryBuckets>;
