/**
 * What an instance does with an owner's limits while Redis is unreachable, and how it hands its
 * own admissions back to Redis when Redis returns. Pure arithmetic, so it is unit-tested alone.
 *
 * During an outage each instance enforces its share, `rate / expectedInstances` (at least 1),
 * in its in-process twin. When Redis returns, whatever the twin still owes (a TAT ahead of now:
 * requests admitted less than a second ago) is carried into the shared bucket as a debt, so the
 * shared bucket does not open with a full second of burst on top of what the twins just admitted.
 * An instance sees only its own twin, so it estimates the cluster's admissions as its own times
 * the number of instances (load is balanced); the script keeps the largest estimate rather than
 * adding them up, so the instances that return later do not count the same requests twice.
 */
import { emissionInterval, type OwnerLimits } from './gcra.ts';
import { limitsFrom } from './limits.ts';

/** Each instance's share of the limits while Redis is unreachable (at least 1 per bucket). */
export function share(limits: OwnerLimits, instances: number): OwnerLimits {
  const part = (rate: number) => Math.max(1, Math.floor(rate / instances));
  return limitsFrom(
    part(limits.limit),
    [...limits.reservations].map(
      ([keyId, rate]) => [keyId, Math.min(part(rate), part(limits.limit))] as const,
    ),
  );
}

const sharedRate = (limits: OwnerLimits) => Math.max(limits.limit - limits.reserved, 0);

/**
 * The debt, in µs of the full-rate Redis bucket, of a twin bucket whose TAT is `twinTat`: the
 * requests it still owes (its TAT minus now, over its emission interval), times `instances` (the
 * cluster's estimate), times the full bucket's emission interval. 0 when the bucket is full or absent.
 */
export function debtUs(
  twinTat: number | undefined,
  now: number,
  twinRate: number,
  fullRate: number,
  instances: number,
): number {
  if (twinTat === undefined || twinTat <= now || twinRate <= 0 || fullRate <= 0) return 0;
  return ((twinTat - now) / emissionInterval(twinRate)) * instances * emissionInterval(fullRate);
}

/** The debts of one request's two buckets (its key's reservation and the shared pool). */
export function requestDebts(
  tats: { shared: number | undefined; keys: ReadonlyMap<string, number> },
  limits: OwnerLimits,
  instances: number,
  keyId: string,
  now: number,
  skip: { key: boolean; shared: boolean },
): { keyUs: number; sharedUs: number } {
  const twin = share(limits, instances);
  return {
    keyUs: skip.key
      ? 0
      : debtUs(
          tats.keys.get(keyId),
          now,
          twin.reservations.get(keyId) ?? 0,
          limits.reservations.get(keyId) ?? 0,
          instances,
        ),
    sharedUs: skip.shared ? 0 : debtUs(tats.shared, now, sharedRate(twin), sharedRate(limits), instances),
  };
}
