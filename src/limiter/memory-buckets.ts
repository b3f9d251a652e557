import { decide, emissionInterval, TAU_US, usage, type Decision, type OwnerLimits } from './gcra.ts';

type OwnerBuckets = { shared: number | undefined; keys: Map<string, number> };

/**
 * The in-process twin of the Redis script: the same GCRA decision over TATs held in memory.
 * Used when there is no REDIS_URL (one instance), and as the insurance limiter while Redis is
 * unreachable. `reset(at)` starts it over with every bucket nearly spent (what the limiter does
 * when an outage begins, since it cannot know what Redis admitted in the second before): a bucket
 * not touched since holds one request at `at` and then fills at its rate, with no second of burst.
 */
export function createMemoryBuckets() {
  const owners = new Map<string, OwnerBuckets>();
  let spentAt: number | undefined;
  /** The TAT of a bucket of `rate` not touched since the last reset. */
  const floor = (rate: number) =>
    spentAt === undefined || rate <= 0 ? undefined : spentAt + TAU_US - emissionInterval(rate);

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
      const decision = decide(
        limits,
        keyId,
        now,
        cost,
        buckets.keys.get(keyId) ?? floor(limits.reservations.get(keyId) ?? 0),
        buckets.shared ?? floor(limits.limit - limits.reserved),
      );
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
        keys.set(keyId, usage(buckets?.keys.get(keyId) ?? floor(rate), now, rate));
      const shared = limits.limit - limits.reserved;
      return { shared: usage(buckets?.shared ?? floor(shared), now, shared), keys };
    },
    /** Forgets every bucket; from `at` (µs) a bucket not touched since starts nearly spent. */
    reset(at: number): void {
      owners.clear();
      spentAt = at;
    },
    /** The TATs this twin holds for an owner's buckets (touched since the last reset). */
    tatsOf(owner: string): { shared: number | undefined; keys: ReadonlyMap<string, number> } | undefined {
      return owners.get(owner);
    },
    /** Owners with buckets in this twin. */
    owners: (): Iterable<string> => owners.keys(),
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
