import type { OwnerType } from './types.ts';

/**
 * Scopes (DESIGN.md section 5). Admin scopes narrow what a key's token may do on the admin API;
 * resource scopes are registered by resource servers and mean whatever those servers say.
 * A key never holds an admin scope its maker did not hold.
 */
export const ADMIN_SCOPES = [
  'keys:read',
  'keys:write',
  'members:read',
  'members:write',
  'settings:write',
  'stores:write',
  'audit:read',
] as const;
export type AdminScope = (typeof ADMIN_SCOPES)[number];

/** The admin scopes a key of each owner type can hold: only organizations have stores to create. */
export const ADMIN_SCOPES_OF: Record<OwnerType, readonly AdminScope[]> = {
  organization: ADMIN_SCOPES,
  store: ADMIN_SCOPES.filter((scope) => scope !== 'stores:write'),
};

/** A resource scope: `resource:action`, lower case, e.g. `orders:read` (RFC 6749 scope-token syntax, narrowed). */
export const RESOURCE_SCOPE_PATTERN = /^[a-z][a-z0-9_.-]{0,63}:[a-z][a-z0-9_.-]{0,63}$/;

/** Scope names with a fixed meaning here, which no resource server may register. */
export const RESERVED_SCOPES = new Set<string>([
  ...ADMIN_SCOPES,
  'admin',
  'storefront',
  'openid',
  'offline_access',
]);

/** The resources of the admin scopes: `keys:delete` registered elsewhere would read like one of ours. */
const ADMIN_RESOURCES = new Set(ADMIN_SCOPES.map((scope) => scope.split(':')[0]));

/** Whether a resource server may register `scope`. */
export const isRegistrableResourceScope = (scope: string) =>
  RESOURCE_SCOPE_PATTERN.test(scope) &&
  !RESERVED_SCOPES.has(scope) &&
  !ADMIN_RESOURCES.has(scope.split(':')[0] ?? '');

export const isAdminScope = (scope: string): scope is AdminScope =>
  (ADMIN_SCOPES as readonly string[]).includes(scope);

/** `scopes` minus `held`, in the order asked. */
export const missingScopes = (scopes: readonly string[], held: ReadonlySet<string>): string[] =>
  scopes.filter((scope) => !held.has(scope));

/** A scope list with duplicates removed, admin scopes first in their canonical order, then the rest sorted. */
export function normalizeScopes(scopes: Iterable<string>): string[] {
  const unique = new Set(scopes);
  const admin = ADMIN_SCOPES.filter((scope) => unique.has(scope));
  const others = [...unique].filter((scope) => !isAdminScope(scope)).sort();
  return [...admin, ...others];
}
