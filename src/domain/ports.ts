import type {
  Membership,
  User,
  ApplicationKey,
  AuditEvent,
  Organization,
  OwnerRef,
  Page,
  Paged,
  ResourceServer,
  Store,
} from './types.ts';

/** Persistence the domain needs; infra/mongo implements it. Methods throw on storage failure. */
export type Repositories = {
  organizations: {
    insert(organization: Organization): Promise<void>;
    findById(id: string): Promise<Organization | undefined>;
    /** The names of those of these organizations that exist, by id (one read). */
    namesOf(ids: string[]): Promise<Map<string, string>>;
    update(id: string, fields: Partial<Pick<Organization, 'name' | 'rateLimit'>>, at: Date): Promise<void>;
  };
  stores: {
    insert(store: Store): Promise<void>;
    findById(id: string): Promise<Store | undefined>;
    /** The names of those of these stores that exist, by id (one read). */
    namesOf(ids: string[]): Promise<Map<string, string>>;
    listByOrganization(organizationId: string, page: Page): Promise<Paged<Store>>;
    update(
      id: string,
      fields: Partial<Pick<Store, 'name' | 'rateLimit' | 'requireTwoFactorForKeyManagers'>>,
      at: Date,
    ): Promise<void>;
  };
  users: {
    /** Throws DuplicateNameError when the email (case-insensitive) is taken. */
    insert(user: User): Promise<void>;
    findById(id: string): Promise<User | undefined>;
    findByEmail(email: string): Promise<User | undefined>;
    /** Which of these users have a confirmed second factor: one read for a page of members. */
    withSecondFactor(ids: string[]): Promise<Set<string>>;
    update(
      id: string,
      fields: Partial<
        Pick<User, 'totpSecret' | 'totpPendingSecret' | 'totpEnrolled' | 'totpLastStep' | 'passwordHash'>
      >,
    ): Promise<void>;
  };
  /** TOTP codes already accepted: one claim per user and time step, taken atomically. */
  totpCodes: {
    /** True when this call claimed the step; false when it was claimed before (a replay). */
    claim(userId: string, step: number, at: Date): Promise<boolean>;
    /** Drops the user's claims of steps before `step` (they can no longer match anyway). */
    forgetBefore(userId: string, step: number): Promise<void>;
  };
  memberships: {
    /** Throws DuplicateNameError when the user is already a member of the owner. */
    insert(membership: Membership): Promise<void>;
    find(owner: OwnerRef, userId: string): Promise<Membership | undefined>;
    listByOwner(owner: OwnerRef, page: Page): Promise<Paged<Membership>>;
    listByUser(userId: string): Promise<Membership[]>;
    setPermissions(id: string, permissions: Membership['permissions']): Promise<void>;
    remove(id: string): Promise<void>;
  };
  applicationKeys: {
    /** Throws DuplicateNameError when the owner already has a key of that name. */
    insert(key: ApplicationKey): Promise<void>;
    findById(id: string): Promise<ApplicationKey | undefined>;
    findByClientId(clientId: string): Promise<ApplicationKey | undefined>;
    /** The same without `lastUsedAt` (always null): one read, for the token endpoint's hot path. */
    findClientByClientId(clientId: string): Promise<ApplicationKey | undefined>;
    listByOwner(owner: OwnerRef, page: Page, filter: { unusedSince?: Date }): Promise<Paged<ApplicationKey>>;
    /** All keys of an owner (for reservation sums and the rate-limit view). */
    allOfOwner(owner: OwnerRef): Promise<ApplicationKey[]>;
    /** Throws DuplicateNameError on a name clash. */
    update(
      id: string,
      fields: Partial<
        Pick<
          ApplicationKey,
          'name' | 'reservedRateLimit' | 'allowedOrigins' | 'scopes' | 'tokenFormat' | 'secretHash'
        >
      >,
      at: Date,
    ): Promise<void>;
    remove(id: string): Promise<void>;
    /** Records that the key minted a token at `at`. */
    touch(id: string, at: Date): Promise<void>;
  };
  resourceServers: {
    insert(server: ResourceServer): Promise<void>;
    findByClientId(clientId: string): Promise<ResourceServer | undefined>;
    /** Every resource scope some resource server registered. */
    registeredScopes(): Promise<Set<string>>;
  };
  auditEvents: {
    /**
     * Appends an event to its owner's trail with the next sequence number and returns that number.
     * Callers that change what the event describes hold the owner's lease, so the trail has the
     * order of the changes; the sequence stays unique and increasing for any caller.
     */
    insert(event: Omit<AuditEvent, 'sequence'>): Promise<number>;
    listByOwner(owner: OwnerRef, page: Page): Promise<Paged<AuditEvent>>;
  };
  /** Ends every token a client minted. */
  tokens: { revokeAllOfClient(clientId: string): Promise<void> };
};

/** Serialises changes per name across processes; `run` holds the lease while `body` runs. */
export type Leases = { run<T>(name: string, body: () => Promise<T>): Promise<T> };

export class DuplicateNameError extends Error {
  override name = 'DuplicateNameError';
}
