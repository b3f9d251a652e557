import type {
  ApplicationKey,
  AuditEvent,
  Organization,
  OwnerType,
  ResourceServer,
  Store,
} from '../../domain/types.ts';
import { ADMIN_SCOPES_OF } from '../../domain/scopes.ts';
import type { ActorRef, Membership, Role, User } from '../../domain/types.ts';

/** Lean documents as stored (snake_case), and their domain objects. */
type Lean<T> = T & { _id?: string | null };
type OrganizationRow = Lean<{ name: string; rate_limit: number; created_at: Date; updated_at: Date }>;
type StoreRow = OrganizationRow & { organization_id: string; require_2fa_for_key_managers?: boolean | null };
type KeyRow = Lean<{
  owner: { type: string; id: string };
  organization_id: string;
  name: string;
  client_id: string;
  secret_hash: string;
  reserved_rate_limit: number;
  allowed_origins: string[];
  scopes?: string[] | null;
  token_format?: string | null;
  created_by: { type: string; id?: string | null };
  created_at: Date;
  updated_at: Date;
}>;

export const toOrganization = (row: OrganizationRow): Organization => ({
  id: String(row._id),
  name: row.name,
  rateLimit: row.rate_limit,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const toStore = (row: StoreRow): Store => ({
  ...toOrganization(row),
  organizationId: row.organization_id,
  requireTwoFactorForKeyManagers: row.require_2fa_for_key_managers ?? false,
});

export const toApplicationKey = (row: KeyRow, lastUsedAt: Date | null): ApplicationKey => ({
  id: String(row._id),
  owner: { type: row.owner.type as OwnerType, id: row.owner.id },
  organizationId: row.organization_id,
  name: row.name,
  clientId: row.client_id,
  secretHash: row.secret_hash,
  reservedRateLimit: row.reserved_rate_limit,
  allowedOrigins: row.allowed_origins ?? [],
  // keys made before scopes existed keep what they could do: every admin scope of their owner type
  scopes: row.scopes ?? [...ADMIN_SCOPES_OF[row.owner.type as OwnerType]],
  tokenFormat: row.token_format === 'jwt' ? 'jwt' : 'opaque',
  createdBy: { type: row.created_by.type as ActorRef['type'], id: row.created_by.id ?? null },
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  lastUsedAt,
});

export const fromApplicationKey = (key: ApplicationKey) => ({
  _id: key.id,
  owner: key.owner,
  organization_id: key.organizationId,
  name: key.name,
  client_id: key.clientId,
  secret_hash: key.secretHash,
  reserved_rate_limit: key.reservedRateLimit,
  allowed_origins: key.allowedOrigins,
  scopes: key.scopes,
  token_format: key.tokenFormat,
  created_by: key.createdBy,
  created_at: key.createdAt,
  updated_at: key.updatedAt,
});

/** Domain field names -> stored field names, for partial updates. */
export const keyFields = {
  name: 'name',
  reservedRateLimit: 'reserved_rate_limit',
  allowedOrigins: 'allowed_origins',
  scopes: 'scopes',
  tokenFormat: 'token_format',
  secretHash: 'secret_hash',
  rateLimit: 'rate_limit',
  requireTwoFactorForKeyManagers: 'require_2fa_for_key_managers',
  totpSecret: 'totp_secret',
  totpEnrolled: 'totp_enrolled',
  totpPendingSecret: 'totp_pending_secret',
  totpLastStep: 'totp_last_step',
  passwordHash: 'password_hash',
} as const;

export function toStoredFields(
  fields: Partial<Record<keyof typeof keyFields, unknown>>,
): Record<string, unknown> {
  const stored: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(fields))
    if (value !== undefined) stored[keyFields[field as keyof typeof keyFields]] = value;
  return stored;
}

export const toResourceServer = (
  row: Lean<{
    name: string;
    client_id: string;
    secret_hash: string;
    scopes?: string[] | null;
    created_at: Date;
  }>,
): ResourceServer => ({
  id: String(row._id),
  name: row.name,
  clientId: row.client_id,
  secretHash: row.secret_hash,
  scopes: row.scopes ?? [],
  createdAt: row.created_at,
});

export const toAuditEvent = (
  row: Lean<{
    owner: { type: string; id: string };
    organization_id: string;
    actor: { type: string; id?: string | null };
    action: string;
    target: { type: string; id: string };
    changes?: unknown;
    created_at: Date;
    seq?: number | null;
  }>,
): AuditEvent => ({
  id: String(row._id),
  owner: { type: row.owner.type as OwnerType, id: row.owner.id },
  organizationId: row.organization_id,
  actor: { type: row.actor.type as ActorRef['type'], id: row.actor.id ?? null },
  action: row.action as AuditEvent['action'],
  target: row.target,
  changes: (row.changes ?? {}) as AuditEvent['changes'],
  createdAt: row.created_at,
  sequence: row.seq ?? 0,
});

export const toUser = (
  row: Lean<{
    email: string;
    password_hash: string;
    operator?: boolean | null;
    totp_secret?: string | null;
    totp_enrolled?: boolean | null;
    totp_pending_secret?: string | null;
    totp_last_step?: number | null;
    created_at: Date;
  }>,
): User => ({
  id: String(row._id),
  email: row.email,
  passwordHash: row.password_hash,
  operator: row.operator ?? false,
  totpSecret: row.totp_secret ?? null,
  totpEnrolled: row.totp_enrolled ?? false,
  totpPendingSecret: row.totp_pending_secret ?? null,
  totpLastStep: row.totp_last_step ?? 0,
  createdAt: row.created_at,
});

export const toMembership = (
  row: Lean<{
    id: string;
    user_id: string;
    email: string;
    owner: { type: string; id: string };
    organization_id: string;
    role: string;
    manage_application_keys?: boolean | null;
    created_at: Date;
  }>,
): Membership => ({
  id: row.id,
  userId: row.user_id,
  email: row.email,
  owner: { type: row.owner.type as OwnerType, id: row.owner.id },
  organizationId: row.organization_id,
  role: row.role as Role,
  permissions: { manageApplicationKeys: row.manage_application_keys ?? false },
  createdAt: row.created_at,
});
