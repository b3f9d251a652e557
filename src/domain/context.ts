import type { Leases, Repositories } from './ports.ts';
import type { Secrets } from './secrets.ts';
import type { OwnerRef } from './types.ts';

/** What every domain service is built from. */
export type DomainDeps = {
  repos: Repositories;
  leases: Leases;
  secrets: Secrets;
  clock: () => Date;
  /** Password hashing (argon2id in infra). */
  passwords: {
    hash(password: string): Promise<string>;
    verify(hash: string, password: string): Promise<boolean>;
  };
  /** Authenticated encryption of small secrets at rest (TOTP secrets). */
  secretBox: { seal(plain: Buffer): string; open(sealed: string): Buffer };
  newId: () => string;
  /** At most this many keys per owner (MAX_KEYS_PER_OWNER), so every per-owner read stays bounded. */
  maxKeysPerOwner: number;
  /** Called, still under the owner's lease, after its limits or reservations changed (the limiter listens here). Must not throw. */
  onLimitsChanged?: (owner: OwnerRef) => Promise<void>;
};

/** The lease that serialises changes of one owner's rate limit and reservations. */
export const limitsLease = (owner: OwnerRef) => `limits:${owner.type}:${owner.id}`;
