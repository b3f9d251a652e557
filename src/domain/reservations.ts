import type { OwnerType } from './types.ts';

export const SHARED_POOL_EMPTY_WARNING =
  'The shared pool is now empty: keys without a reservation will be throttled. Leave some of the rate limit unreserved.';

/** Why reserving `requested` more is refused, or undefined when it fits. */
export function reservationConflict(input: {
  ownerType: OwnerType;
  rateLimit: number;
  reservedByOthers: number;
  requested: number;
}): string | undefined {
  const left = input.rateLimit - input.reservedByOthers;
  if (input.requested <= left) return undefined;
  return (
    `Cannot reserve ${input.requested} requests per second: the ${input.ownerType}'s rate_limit is ${input.rateLimit}, ` +
    `${input.reservedByOthers} ${input.reservedByOthers === 1 ? 'is' : 'are'} reserved by its other keys, ` +
    `so at most ${Math.max(left, 0)} ${left === 1 ? 'is' : 'are'} left.`
  );
}

/** Why lowering the rate limit to `rateLimit` is refused, or undefined when the reservations fit. */
export function limitConflict(input: {
  ownerType: OwnerType;
  rateLimit: number;
  reserved: number;
}): string | undefined {
  if (input.reserved <= input.rateLimit) return undefined;
  return (
    `Cannot set the ${input.ownerType}'s rate_limit to ${input.rateLimit}: its keys reserve ${input.reserved} ` +
    `requests per second, ${input.reserved - input.rateLimit} more than that; lower their reservations first.`
  );
}

/** The warnings a change that leaves `reserved` of `rateLimit` reserved answers with. */
export function poolWarnings(rateLimit: number, reserved: number): string[] {
  return rateLimit - reserved <= 0 ? [SHARED_POOL_EMPTY_WARNING] : [];
}

export function sumReserved(
  keys: ReadonlyArray<{ id: string; reservedRateLimit: number }>,
  exceptId?: string,
): number {
  return keys.reduce((sum, key) => (key.id === exceptId ? sum : sum + key.reservedRateLimit), 0);
}
