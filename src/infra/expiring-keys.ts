/**
 * Keys that each hold until a time, in process memory, for remembering a decision briefly. Bounded:
 * when `max` keys are held, the expired ones go, and if that is not enough, all of them (forgetting
 * only costs asking again).
 */
export function createExpiringKeys(max = 10_000) {
  const until = new Map<string, number>();

  function prune(now: number): void {
    for (const [key, time] of until) if (time <= now) until.delete(key);
    if (until.size >= max) until.clear();
  }

  return {
    /** Milliseconds left for `key`, 0 when it is not held (or no longer). */
    remaining(key: string, now = Date.now()): number {
      const time = until.get(key);
      if (time === undefined) return 0;
      if (time > now) return time - now;
      until.delete(key);
      return 0;
    },
    hold(key: string, ms: number, now = Date.now()): void {
      if (until.size >= max && !until.has(key)) prune(now);
      until.set(key, now + ms);
    },
    release(key: string): void {
      until.delete(key);
    },
    get size() {
      return until.size;
    },
  };
}

export type ExpiringKeys = ReturnType<typeof createExpiringKeys>;
