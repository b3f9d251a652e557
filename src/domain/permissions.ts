import type { Actor, MembershipGrant } from './actors.ts';
import type { OwnerRef } from './types.ts';

/** What a request wants to do. */
export type Action =
  | 'organization.create'
  | 'resource_server.create'
  | 'organization.read'
  | 'organization.update'
  | 'organization.set_rate_limit'
  | 'store.create'
  | 'store.read'
  | 'store.update'
  | 'store.set_rate_limit'
  | 'keys.manage'
  | 'audit.read'
  | 'rate_limit.read'
  | 'members.read'
  /** Add or remove a member whose role is not store_owner. */
  | 'members.manage'
  /** Add or remove a store_owner. */
  | 'members.manage_owner'
  /** Grant or revoke manage_application_keys. */
  | 'permissions.grant'
  /** Change a store's require_2fa_for_key_managers: store owners and operators only. */
  | 'store.set_two_factor_policy';

/** The thing acted on: an organization or a store, with the organization it belongs to. */
export type Target = { owner: OwnerRef; organizationId: string; requireTwoFactorForKeyManagers?: boolean };

/**
 * `not_found`: the target is outside the actor's reach (the API answers 404, not 403).
 * `two_factor_required`: allowed but for the store's second-factor policy (403 saying so).
 */
export type Decision = 'allowed' | 'forbidden' | 'not_found' | 'two_factor_required';

const operatorOnly = new Set<Action>([
  'organization.create',
  'resource_server.create',
  'organization.set_rate_limit',
  'store.set_rate_limit',
]);

/** What a store admin (or store key) may do in its store (DESIGN.md section 2). */
const storeAdminActions: Action[] = [
  'store.read',
  'store.update',
  'keys.manage',
  'audit.read',
  'rate_limit.read',
  'members.read',
  'members.manage',
];

/** What each store role may do in its store: an owner may also manage owners and grant permissions. */
const storeRoleActions: Record<'store_owner' | 'store_admin', Set<Action>> = {
  store_owner: new Set<Action>([
    ...storeAdminActions,
    'members.manage_owner',
    'permissions.grant',
    'store.set_two_factor_policy',
  ]),
  store_admin: new Set<Action>(storeAdminActions),
};

/** Org Admin (an org_admin member or an organization key): everything in the organization but operator actions and grants. */
function orgAdminDecision(action: Action): Decision {
  return operatorOnly.has(action) ||
    action === 'permissions.grant' ||
    action === 'store.set_two_factor_policy'
    ? 'forbidden'
    : 'allowed';
}

function storeRoleDecision(membership: MembershipGrant, action: Action): Decision {
  if (membership.role === 'store_owner' || membership.role === 'store_admin')
    return storeRoleActions[membership.role].has(action) ? 'allowed' : 'forbidden';
  // store_member: with manage_application_keys it manages the store's keys, and nothing more
  return action === 'keys.manage' && membership.manageApplicationKeys ? 'allowed' : 'forbidden';
}

function userDecision(
  actor: Extract<Actor, { kind: 'user' }>,
  action: Action,
  target: Target | undefined,
): Decision {
  if (actor.operator) return action === 'permissions.grant' ? 'forbidden' : 'allowed';
  if (action === 'organization.create' || action === 'resource_server.create') return 'forbidden';
  if (!target) return 'not_found';
  const orgAdmin = actor.memberships.some(
    (m) => m.role === 'org_admin' && m.owner.type === 'organization' && m.owner.id === target.organizationId,
  );
  if (orgAdmin) return orgAdminDecision(action);
  const storeMembership =
    target.owner.type === 'store'
      ? actor.memberships.find((m) => m.owner.type === 'store' && m.owner.id === target.owner.id)
      : undefined;
  return storeMembership ? storeRoleDecision(storeMembership, action) : 'not_found';
}

function keyDecision(
  actor: Extract<Actor, { kind: 'application_key' }>,
  action: Action,
  target: Target | undefined,
): Decision {
  if (action === 'organization.create' || action === 'resource_server.create') return 'forbidden';
  if (!target) return 'not_found';
  if (actor.owner.type === 'organization')
    return target.organizationId === actor.organizationId ? orgAdminDecision(action) : 'not_found';
  // a store key acts as Store Admin of its store
  if (target.owner.type !== 'store' || target.owner.id !== actor.owner.id) return 'not_found';
  return storeRoleActions.store_admin.has(action) ? 'allowed' : 'forbidden';
}

/**
 * DESIGN.md section 2 as a pure function. Operators may do everything but grant permissions;
 * Org Admins (members or organization keys) everything in their organization but operator
 * actions and grants; store owners, admins (and store keys) and members what their role allows in
 * their store; storefront tokens nothing. A store requiring a second factor for key managers
 * refuses key management to users who did not sign in with one this time (the token's `amr`).
 */
export function decide(actor: Actor, action: Action, target?: Target): Decision {
  if (actor.kind === 'cli') return 'allowed';
  if (actor.kind === 'storefront') return 'forbidden';
  if (actor.kind === 'application_key') return keyDecision(actor, action, target);
  const decision = userDecision(actor, action, target);
  if (
    decision === 'allowed' &&
    action === 'keys.manage' &&
    target?.requireTwoFactorForKeyManagers &&
    !actor.signedInWithSecondFactor
  )
    return 'two_factor_required';
  return decision;
}
