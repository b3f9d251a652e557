import { resolveOwner } from '../domain/owners.ts';
import type { Repositories } from '../domain/ports.ts';
import type { OwnerRef } from '../domain/types.ts';
import type { OwnerLimits } from './gcra.ts';
import { limitsFrom } from './limits.ts';

/** An owner's rate_limit and its keys' reservations, from the database. */
export async function loadOwnerLimits(repos: Repositories, owner: OwnerRef): Promise<OwnerLimits> {
  const { rateLimit } = await resolveOwner(repos, owner);
  const keys = await repos.applicationKeys.allOfOwner(owner);
  return limitsFrom(
    rateLimit,
    keys.map((key) => [key.id, key.reservedRateLimit] as const),
  );
}
