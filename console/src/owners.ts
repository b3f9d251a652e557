import { api, ApiError } from './api.ts';
import type { Me, OrganizationResource, OwnerRef, Role, StoreResource } from './types.ts';
import { ownerPath } from './types.ts';

/** An owner the person may open, with what their membership lets them do there. */
export type Owner = OwnerRef & {
  name: string;
  role: Role;
  manageKeys: boolean;
  /** For a store reached through its organization's org_admin membership. */
  organizationId?: string;
  rateLimit?: number;
  requireTwoFactor?: boolean;
};

async function named(
  ref: OwnerRef,
): Promise<{ name: string; rateLimit?: number; requireTwoFactor?: boolean }> {
  try {
    const { data } = await api.get<OrganizationResource & Partial<StoreResource>>(ownerPath(ref));
    return {
      name: data.name,
      rateLimit: data.rate_limit,
      requireTwoFactor: data.require_2fa_for_key_managers,
    };
  } catch (error) {
    // a member who may only manage keys cannot read the store itself (403), and an owner whose
    // shared pool is spent refuses people's requests for a moment (429): list it all the same
    if (error instanceof ApiError)
      return { name: `${ref.type === 'store' ? 'Store' : 'Organization'} ${ref.id}` };
    throw error;
  }
}

/**
 * The owners of `GET /v2/me`, named; an org_admin also sees the organization's stores. A person
 * with several memberships of one owner keeps the first (the API gives one per owner).
 */
export async function loadOwners(me: Me): Promise<Owner[]> {
  const owners: Owner[] = [];
  const seen = new Set<string>();
  const add = (owner: Owner) => {
    const key = `${owner.type}:${owner.id}`;
    if (!seen.has(key)) {
      seen.add(key);
      owners.push(owner);
    }
  };
  for (const membership of me.memberships) {
    // a store member (even one who manages keys) may not read the store itself: no need to ask
    const details =
      membership.role === 'store_member'
        ? { name: membership.owner.name ?? `Store ${membership.owner.id}` }
        : await named(membership.owner);
    add({
      ...membership.owner,
      ...details,
      role: membership.role,
      manageKeys: membership.permissions.manage_application_keys,
    });
    if (membership.role === 'org_admin') {
      const stores = await api
        .get<StoreResource[]>(`${ownerPath(membership.owner)}/stores?page[limit]=100`)
        .then((result) => result.data)
        .catch((error: unknown) => {
          if (error instanceof ApiError) return [];
          throw error;
        });
      for (const store of stores)
        add({
          type: 'store',
          id: store.id,
          name: store.name,
          role: 'org_admin',
          manageKeys: true,
          organizationId: membership.owner.id,
          rateLimit: store.rate_limit,
          requireTwoFactor: store.require_2fa_for_key_managers,
        });
    }
  }
  return owners;
}

export const ADMIN_SCOPES = [
  'keys:read',
  'keys:write',
  'members:read',
  'members:write',
  'settings:write',
  'stores:write',
  'audit:read',
] as const;

/** What the console offers on an owner, from the person's role there (the API decides anyway). */
export function capabilities(owner: Owner) {
  const admin = owner.role === 'org_admin' || owner.role === 'store_owner' || owner.role === 'store_admin';
  const delegate = owner.role === 'store_member' && owner.manageKeys;
  return {
    rateLimit: admin || delegate,
    keys: admin || delegate,
    members: admin,
    /** Adding or removing store owners, and granting key management. */
    storeOwner: owner.role === 'store_owner',
    settings: owner.type === 'store' && owner.role === 'store_owner',
    audit: admin,
    /** The scopes this person holds on this owner, so may give a key (DESIGN.md section 5). */
    scopes: admin
      ? ADMIN_SCOPES.filter((scope) => owner.type === 'organization' || scope !== 'stores:write')
      : delegate
        ? ['keys:read', 'keys:write']
        : [],
  };
}
export type Capabilities = ReturnType<typeof capabilities>;

export const ownerUrl = (owner: OwnerRef) =>
  `/${owner.type === 'store' ? 'stores' : 'organizations'}/${owner.id}`;
