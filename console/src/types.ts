/** The shapes of the /v2 resources the console reads (DESIGN.md section 3). */
export type OwnerType = 'organization' | 'store';
export type OwnerRef = { type: OwnerType; id: string };
export type Role = 'org_admin' | 'store_owner' | 'store_admin' | 'store_member';

export type MembershipResource = {
  id: string;
  user_id: string;
  email: string;
  role: Role;
  /** `name` only where the API serves it (`GET /v2/me` may). */
  owner: OwnerRef & { name?: string };
  permissions: { manage_application_keys: boolean };
  /** Not served yet by every version of the API. */
  totp_enrolled?: boolean;
};

export type Me = {
  id: string;
  email: string;
  operator: boolean;
  totp_enrolled: boolean;
  memberships: MembershipResource[];
};

export type KeyResource = {
  id: string;
  name: string;
  client_id: string;
  client_secret?: string;
  reserved_rate_limit: number;
  allowed_origins: string[];
  /** Present once the API has scopes (DESIGN.md section 5). */
  scopes?: string[];
  owner: OwnerRef;
  meta: { timestamps: { created_at: string; updated_at: string; last_used_at: string | null } };
};

export type RateLimitView = {
  rate_limit: number;
  reserved: number;
  shared_pool: number;
  usage?: { shared_pool?: number };
  keys: Array<{ id: string; name: string; reserved_rate_limit: number; usage?: { reserved?: number } }>;
};

export type StoreResource = {
  id: string;
  name: string;
  organization_id: string;
  rate_limit: number;
  require_2fa_for_key_managers: boolean;
};
export type OrganizationResource = { id: string; name: string; rate_limit: number };

export type AuditEvent = {
  id: string;
  action: string;
  actor: { type: string; id: string | null; email?: string };
  target?: { type?: string; id?: string; name?: string } | null;
  changes?: Record<string, unknown> | null;
  created_at: string;
};

export const ownerPath = (owner: OwnerRef) =>
  `/v2/${owner.type === 'store' ? 'stores' : 'organizations'}/${owner.id}`;
