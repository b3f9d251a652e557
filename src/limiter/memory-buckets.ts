import { decide, TAU_US, usage, type Decision, type OwnerLimits } from './gcra.ts';

type OwnerBuckets = { shared: number | undefined; keys: Map<string, number> };

/**
 * The in-process twin of the Redis script: the same GCRA decision over TATs held in memory.
 * Used when there is no REDIS_URL (one instance), and as the insurance limiter while Redis is
 * unreachable.
 */
export function createMemoryBuckets() {
  const owners = new Map<string, OwnerBuckets>();

  const bucketsOf = (owner: string): OwnerBuckets => {
    let buckets = owners.get(owner);
    if (!buckets) {
      buckets = { shared: undefined, keys: new Map() };
      owners.set(owner, buckets);
    }
    return buckets;
  };

  return {
    decide(owner: string, limits: OwnerLimits, keyId: string, now: number, cost: number): Decision {
      const buckets = bucketsOf(owner);
      const decision = decide(limits, keyId, now, cost, buckets.keys.get(keyId), buckets.shared);
      if (decision.tat !== undefined) {
        if (decision.pool === 'key') buckets.keys.set(keyId, decision.tat);
        else buckets.shared = decision.tat;
      }
      return decision;
    },
    usage(owner: string, limits: OwnerLimits, now: number) {
      const buckets = owners.get(owner);
      const keys = new Map<string, number>();
      for (const [keyId, rate] of limits.reservations)
        keys.set(keyId, usage(buckets?.keys.get(keyId), now, rate));
      return { shared: usage(buckets?.shared, now, limits.limit - limits.reserved), keys };
    },
    /** Forgets buckets that are full again (their TAT is in the past), so memory stays small. */
    sweep(now: number): void {
      for (const [owner, buckets] of owners) {
        for (const [keyId, tat] of buckets.keys) if (tat <= now - TAU_US) buckets.keys.delete(keyId);
        if (buckets.shared !== undefined && buckets.shared <= now - TAU_US) buckets.shared = undefined;
        if (buckets.shared === undefined && buckets.keys.size === 0) owners.delete(owner);
      }
    },
  };
}

export type MemoryBuckets = ReturnType<typeof createMemoryBuckets>;
