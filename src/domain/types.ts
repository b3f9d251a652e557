/** What owns application keys and has a rate limit. */
export type OwnerType = 'organization' | 'store';
export type OwnerRef = { type: OwnerType; id: string };

export type Organization = {
  id: string;
  name: string;
  rateLimit: number;
  createdAt: Date;
  updatedAt: Date;
};

export type Store = Organization & {
  organizationId: string;
  /** When set, users without a second factor may not manage this store's keys. */
  requireTwoFactorForKeyManagers: boolean;
};

/** The roles of memberships, written once: which owner type each belongs to. */
export const ROLES_OF = {
  organization: ['org_admin'],
  store: ['store_owner', 'store_admin', 'store_member'],
} as const satisfies Record<OwnerType, readonly string[]>;
export const ROLES = [...ROLES_OF.organization, ...ROLES_OF.store] as const;
export type Role = (typeof ROLES)[number];

export type User = {
  id: string;
  email: string;
  passwordHash: string;
  operator: boolean;
  /** The TOTP secret, encrypted; `totpEnrolled` once a code confirmed it. */
  totpSecret: string | null;
  totpEnrolled: boolean;
  /** A new secret awaiting confirmation (enrolment, or replacing the current factor), encrypted. */
  totpPendingSecret: string | null;
  /** The last TOTP time step used, so a code works once. */
  totpLastStep: number;
  createdAt: Date;
};

export type Membership = {
  id: string;
  userId: string;
  email: string;
  owner: OwnerRef;
  organizationId: string;
  role: Role;
  permissions: { manageApplicationKeys: boolean };
  createdAt: Date;
};

/** A membership as the API shows it: with whether the member has a second factor (a user's fact). */
export type Member = Membership & { totpEnrolled: boolean };

/** Who did something: a person, an application key, or the operator CLI. */
export type ActorRef = { type: 'user' | 'application_key' | 'cli'; id: string | null };

/** How a key's access tokens are made: stored handles (the default) or signed RFC 9068 JWTs. */
export const TOKEN_FORMATS = ['opaque', 'jwt'] as const;
export type TokenFormat = (typeof TOKEN_FORMATS)[number];

export type ApplicationKey = {
  id: string;
  owner: OwnerRef;
  /** The organization of the owner (the owner itself for organization keys). */
  organizationId: string;
  name: string;
  clientId: string;
  /** HMAC-SHA-256 of the client secret under the server secret; the secret itself is never stored. */
  secretHash: string;
  reservedRateLimit: number;
  allowedOrigins: string[];
  /** Admin scopes (within what its maker held) and registered resource scopes. */
  scopes: string[];
  /** The format of tokens minted from now on; changing it leaves live tokens as they are. */
  tokenFormat: TokenFormat;
  createdBy: ActorRef;
  createdAt: Date;
  updatedAt: Date;
  lastUsedAt: Date | null;
};

export type ResourceServer = {
  id: string;
  name: string;
  clientId: string;
  secretHash: string;
  /** The resource scopes it understands; keys may be given any registered one. */
  scopes: string[];
  createdAt: Date;
};

export type AuditAction =
  | 'organization.created'
  | 'organization.updated'
  | 'store.created'
  | 'store.updated'
  | 'application_key.created'
  | 'application_key.updated'
  | 'application_key.secret_rotated'
  | 'application_key.deleted'
  | 'resource_server.created'
  | 'member.added'
  | 'member.removed'
  | 'permission.granted'
  | 'permission.revoked';

export type AuditEvent = {
  id: string;
  owner: OwnerRef;
  organizationId: string;
  actor: ActorRef;
  action: AuditAction;
  target: { type: string; id: string };
  /** Before and after of the fields that changed; never a secret. */
  changes: Record<string, { from: unknown; to: unknown }>;
  createdAt: Date;
  /** Its place in the owner's trail: strictly increasing within an owner (1, 2, 3, ...). */
  sequence: number;
};

export type Page = { offset: number; limit: number };
export type Paged<T> = { items: T[]; total: number };
