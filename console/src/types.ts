import type { z } from 'zod';
import type { keyOutput, keyWithSecretOutput } from '../../src/resources/application-keys.ts';
import type { auditEventOutput } from '../../src/resources/audit-events.ts';
import type { membershipOutput } from '../../src/resources/memberships.ts';
import type { organizationOutput } from '../../src/resources/organizations.ts';
import type { rateLimitViewOutput } from '../../src/resources/rate-limit.ts';
import type { storeOutput } from '../../src/resources/stores.ts';
import type { meOutput, myMembershipOutput } from '../../src/resources/users.ts';

/**
 * The shapes of the /v2 resources the console reads: the API's own output shapes
 * (src/resources, types only: nothing of the server is bundled), so they cannot drift.
 */
export type OwnerType = OwnerRef['type'];
export type OwnerRef = MembershipResource['owner'];
export type Role = MembershipResource['role'];
export type MembershipResource = z.output<typeof membershipOutput>;
/** A membership as `GET /v2/me` lists it: the owner named, and the admin scopes the person holds there. */
export type MyMembership = z.output<typeof myMembershipOutput>;
export type Me = z.output<typeof meOutput>;
/** A key; `client_secret` only in the answers to create and rotate-secret. */
export type KeyResource = z.output<typeof keyOutput> &
  Partial<Pick<z.output<typeof keyWithSecretOutput>, 'client_secret'>>;
export type RateLimitView = z.output<typeof rateLimitViewOutput>['data'];
export type StoreResource = z.output<typeof storeOutput>;
export type OrganizationResource = z.output<typeof organizationOutput>;
export type AuditEvent = z.output<typeof auditEventOutput>;

export const ownerPath = (owner: OwnerRef) =>
  `/v2/${owner.type === 'store' ? 'stores' : 'organizations'}/${owner.id}`;
