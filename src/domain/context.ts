import type { Leases, Repositories } from './ports.ts';
import type { Secrets } from './secrets.ts';
import type { OwnerRef } from './types.ts';

/** What every domain service is built from. */
export type DomainDeps = {
  repos: Repositories;
  leases: Leases;
  secrets: Secrets;
  clock: () => Date;
  newId: () => string;
  /** Called, still under the owner's lease, after its limits or reservations changed (the limiter listens here). Must not throw. */
  onLimitsChanged?: (owner: OwnerRef) => Promise<void>;
};

/** The lease that serialises changes of one owner's rate limit and reservations. */
export const limitsLease = (owner: OwnerRef) => `limits:${owner.type}:${owner.id}`;
