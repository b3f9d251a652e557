import type { OwnerLimits } from './gcra.ts';

/** Builds the limiter's view of an owner from its rate_limit and its keys' reservations. */
export function limitsFrom(limit: number, reservations: Iterable<readonly [string, number]>): OwnerLimits {
  const map = new Map<string, number>();
  let reserved = 0;
  for (const [keyId, rate] of reservations) {
    if (rate <= 0) continue;
    map.set(keyId, rate);
    reserved += rate;
  }
  return { limit, reserved, reservations: map };
}

/** `store:ID` / `organization:ID`: how the limiter names an owner. */
export const ownerKey = (owner: { type: string; id: string }) => `${owner.type}:${owner.id}`;
