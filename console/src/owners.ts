import { api, ApiError } from './api.ts';
import type { Me, OrganizationResource, OwnerRef, Role, StoreResource } from './types.ts';
import { ownerPath } from './types.ts';

/** An owner the person may open, with what their membership lets them do there. */
export type Owner = OwnerRef & {
  name: string;
  role: Role;
  manageKeys: boolean;
  /** The admin scopes the person holds here, so may give a key (from `GET /v2/me`). */
  scopes: string[];
  /** For a store reached through its organization's org_admin membership. */
  organizationId?: string;
  rateLimit?: number;
  requireTwoFactor?: boolean;
};

/** The owner's limit and second-factor policy, for the people who may read the owner. */
async function details(ref: OwnerRef): Promise<{ rateLimit?: number; requireTwoFactor?: boolean }> {
  try {
    const { data } = await api.get<OrganizationResource | StoreResource>(ownerPath(ref));
    return {
      rateLimit: data.rate_limit,
      requireTwoFactor: data.type === 'store' ? data.require_2fa_for_key_managers : undefined,
    };
  } catch (error) {
    // an owner whose shared pool is spent refuses people's requests for a moment (429): list it
    // all the same, by the name `GET /v2/me` gave
    if (error instanceof ApiError) return {};
    throw error;
  }
}

/**
 * The owners of `GET /v2/me`, named there; an org_admin also sees the organization's stores. A person
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
    // a store member (even one who manages keys) may not read the store itself: no need to ask;
    // `GET /v2/me` names it all the same
    add({
      ...membership.owner,
      ...(membership.role !== 'store_member' && (await details(membership.owner))),
      role: membership.role,
      manageKeys: membership.permissions.manage_application_keys,
      scopes: membership.scopes,
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
          // what an org admin holds on the organization, but for what only organizations have
          scopes: membership.scopes.filter((scope) => scope !== 'stores:write'),
          organizationId: membership.owner.id,
          rateLimit: store.rate_limit,
          requireTwoFactor: store.require_2fa_for_key_managers,
        });
    }
  }
  return owners;
}

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
    scopes: owner.scopes,
  };
}
export type Capabilities = ReturnType<typeof capabilities>;

export const ownerUrl = (owner: OwnerRef) =>
  `/${owner.type === 'store' ? 'stores' : 'organizations'}/${owner.id}`;
