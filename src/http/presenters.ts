import type { ApplicationKey, AuditEvent, Organization, Store } from '../domain/types.ts';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function presentOrganization(organization: Organization) {
  return {
    id: organization.id,
    type: 'organization',
    name: organization.name,
    rate_limit: organization.rateLimit,
    meta: {
      timestamps: { created_at: iso(organization.createdAt), updated_at: iso(organization.updatedAt) },
    },
  };
}

export function presentStore(store: Store) {
  return {
    id: store.id,
    type: 'store',
    organization_id: store.organizationId,
    name: store.name,
    rate_limit: store.rateLimit,
    require_2fa_for_key_managers: store.requireTwoFactorForKeyManagers,
    meta: { timestamps: { created_at: iso(store.createdAt), updated_at: iso(store.updatedAt) } },
  };
}

/** A key as the API shows it; `client_secret` only when one was just created or rotated. */
export function presentKey(key: ApplicationKey, secret?: string) {
  return {
    id: key.id,
    type: 'application_key',
    name: key.name,
    client_id: key.clientId,
    ...(secret !== undefined && { client_secret: secret }),
    reserved_rate_limit: key.reservedRateLimit,
    allowed_origins: key.allowedOrigins,
    scopes: key.scopes,
    token_format: key.tokenFormat,
    owner: key.owner,
    meta: {
      timestamps: {
        created_at: iso(key.createdAt),
        updated_at: iso(key.updatedAt),
        last_used_at: iso(key.lastUsedAt),
      },
    },
  };
}

export function presentAuditEvent(event: AuditEvent) {
  return {
    id: event.id,
    type: 'audit_event',
    action: event.action,
    actor: event.actor,
    target: event.target,
    owner: event.owner,
    changes: event.changes,
    created_at: iso(event.createdAt),
    sequence: event.sequence,
  };
}

/** `meta.warnings` when there are any. */
export const withWarnings = (warnings: string[]) => (warnings.length ? { meta: { warnings } } : {});
