/**
 * GCRA (the generic cell rate algorithm): a token bucket kept as one number, the bucket's
 * "theoretical arrival time" (TAT). Each admitted request of cost c pushes the TAT forward by
 * c x T, where T = 1 s / rate is the emission interval. A request is admitted when the pushed TAT
 * is at most TAU ahead of now; TAU = 1 s is the burst tolerance, so a full bucket admits one
 * second's worth at once and over any t seconds at most rate x (t + 1). A refusal changes nothing.
 *
 * Two buckets per request: the key's reservation (rate = reserved_rate_limit) first, then the
 * owner's shared pool (rate = rate_limit - sum of reservations). This file is the reference;
 * redis-script.ts runs the same arithmetic in Lua, and both are tested with the same vectors.
 * Times are integer microseconds, and so is the emission interval (1 s / rate, rounded down: at
 * most one part in 1e6/rate more than the rate, and no rounding that accumulates), so both
 * implementations compute exactly the same integers.
 */
export const TAU_US = 1_000_000;

export type Pool = 'key' | 'shared';

/** An owner's limits as the limiter sees them. */
export type OwnerLimits = { limit: number; reserved: number; reservations: ReadonlyMap<string, number> };

export type BucketResult =
  { ok: true; tat: number; remaining: number; resetUs: number } | { ok: false; waitUs: number };

/** T = 1 s / rate in whole microseconds (at least 1). */
export const emissionInterval = (rate: number) => Math.max(1, Math.floor(TAU_US / rate));

/** One bucket: whether `cost` fits now, and the new TAT when it does. */
export function tryBucket(
  storedTat: number | undefined,
  now: number,
  rate: number,
  cost: number,
): BucketResult {
  const interval = emissionInterval(rate);
  const tat = Math.max(storedTat ?? now, now);
  const next = tat + cost * interval;
  const waitUs = next - TAU_US - now;
  if (waitUs > 0) return { ok: false, waitUs };
  return {
    ok: true,
    tat: next,
    remaining: Math.floor((TAU_US - (next - now)) / interval),
    resetUs: next - now,
  };
}

export type Decision = {
  allowed: boolean;
  /** The pool charged (allowed) or the one the caller would be charged next (refused). */
  pool: Pool;
  remaining: number;
  resetUs: number;
  retryAfterUs: number;
  /** Quotas per second of the key's reservation (0: none) and of the shared pool. */
  keyQuota: number;
  sharedQuota: number;
};

/** Where `decide` wants a bucket's new TAT stored (when it admitted the request). */
export type Charged = { tat: number };

/**
 * The whole decision for one request: the reservation first, then the shared pool, else refuse.
 * `keyTat` and `sharedTat` are the buckets' stored TATs; on admission the returned decision
 * carries the charged bucket's new TAT in `tat`. Written without allocations beyond the result,
 * since the in-process limiter calls it for every request.
 */
export function decide(
  limits: OwnerLimits,
  keyId: string,
  now: number,
  cost: number,
  keyTat: number | undefined,
  sharedTat: number | undefined,
): Decision & Partial<Charged> {
  const keyQuota = limits.reservations.get(keyId) ?? 0;
  const sharedQuota = Math.max(limits.limit - limits.reserved, 0);
  let wait = Number.POSITIVE_INFINITY;
  if (keyQuota > 0) {
    const result = tryBucket(keyTat, now, keyQuota, cost);
    if (result.ok)
      return {
        allowed: true,
        pool: 'key',
        remaining: result.remaining,
        resetUs: result.resetUs,
        retryAfterUs: 0,
        keyQuota,
        sharedQuota,
        tat: result.tat,
      };
    wait = result.waitUs;
  }
  if (sharedQuota > 0) {
    const result = tryBucket(sharedTat, now, sharedQuota, cost);
    if (result.ok)
      return {
        allowed: true,
        pool: 'shared',
        remaining: result.remaining,
        resetUs: result.resetUs,
        retryAfterUs: 0,
        keyQuota,
        sharedQuota,
        tat: result.tat,
      };
    wait = Math.min(wait, result.waitUs);
  }
  // with neither bucket (no reservation and an empty shared pool) nothing is ever admitted: retry in a second
  const retryAfterUs = Number.isFinite(wait) ? wait : TAU_US;
  return {
    allowed: false,
    pool: keyQuota > 0 ? 'key' : 'shared',
    remaining: 0,
    resetUs: retryAfterUs,
    retryAfterUs,
    keyQuota,
    sharedQuota,
  };
}

/** How much of a bucket is in use now (0 .. rate), for the rate-limit view. */
export function usage(storedTat: number | undefined, now: number, rate: number): number {
  if (rate <= 0 || storedTat === undefined || storedTat <= now) return 0;
  return Math.min(rate, Math.ceil((storedTat - now) / emissionInterval(rate)));
}
