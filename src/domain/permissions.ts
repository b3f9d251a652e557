import type { Actor, MembershipGrant } from './actors.ts';
import { ADMIN_SCOPES_OF, type AdminScope } from './scopes.ts';
import type { OwnerRef } from './types.ts';

/**
 * Every action of the admin plane, with the admin scope a key's token needs for it (DESIGN.md
 * section 5). `null`: no key may do it whatever its scopes (operators' actions), so the role table
 * below decides alone. A key's role is the ceiling; its scopes narrow it. People act by their role.
 */
export const ACTION_SCOPES = {
  'organization.create': null,
  'resource_server.create': null,
  'organization.read': 'keys:read',
  'organization.update': 'settings:write',
  'organization.set_rate_limit': null,
  'store.create': 'stores:write',
  'store.read': 'keys:read',
  'store.update': 'settings:write',
  'store.set_rate_limit': null,
  /** List and read keys. */
  'keys.read': 'keys:read',
  /** Create, update, rotate and delete keys. */
  'keys.manage': 'keys:write',
  'audit.read': 'audit:read',
  'rate_limit.read': 'keys:read',
  'members.read': 'members:read',
  /** Add or remove a member whose role is not store_owner. */
  'members.manage': 'members:write',
  /** Add or remove a store_owner. */
  'members.manage_owner': 'members:write',
  /** Grant or revoke manage_application_keys. */
  'permissions.grant': 'members:write',
  /** Change a store's require_2fa_for_key_managers: store owners and operators only. */
  'store.set_two_factor_policy': 'settings:write',
} as const satisfies Record<string, AdminScope | null>;

/** What a request wants to do. */
export type Action = keyof typeof ACTION_SCOPES;
const ACTIONS = Object.keys(ACTION_SCOPES) as Action[];

/** The thing acted on: an organization or a store, with the organization it belongs to. */
export type Target = { owner: OwnerRef; organizationId: string; requireTwoFactorForKeyManagers?: boolean };

/**
 * `not_found`: the target is outside the actor's reach (the API answers 404, not 403).
 * `two_factor_required`: allowed but for the store's second-factor policy (403 saying so).
 * `insufficient_scope`: the key's role allows it, its scopes do not (403 naming the scope).
 */
export type Decision = 'allowed' | 'forbidden' | 'not_found' | 'two_factor_required' | 'insufficient_scope';

const operatorOnly = new Set<Action>([
  'organization.create',
  'resource_server.create',
  'organization.set_rate_limit',
  'store.set_rate_limit',
]);

/** Key management: what a member with manage_application_keys may do, and what the 2FA policy guards. */
const keyManagement = new Set<Action>(['keys.read', 'keys.manage']);

/** What a store admin (or store key) may do in its store (DESIGN.md section 2). */
const storeAdminActions: Action[] = [
  'store.read',
  'store.update',
  'keys.read',
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
  return keyManagement.has(action) && membership.manageApplicationKeys ? 'allowed' : 'forbidden';
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

/** A key's role: Org Admin of its organization, or Store Admin of its store. */
function keyRoleDecision(
  actor: Extract<Actor, { kind: 'application_key' }>,
  action: Action,
  target: Target | undefined,
): Decision {
  if (action === 'organization.create' || action === 'resource_server.create') return 'forbidden';
  if (!target) return 'not_found';
  if (actor.owner.type === 'organization')
    return target.organizationId === actor.organizationId ? orgAdminDecision(action) : 'not_found';
  if (target.owner.type !== 'store' || target.owner.id !== actor.owner.id) return 'not_found';
  return storeRoleActions.store_admin.has(action) ? 'allowed' : 'forbidden';
}

/** The role is the ceiling; the token's scopes narrow it. */
function keyDecision(
  actor: Extract<Actor, { kind: 'application_key' }>,
  action: Action,
  target: Target | undefined,
): Decision {
  const decision = keyRoleDecision(actor, action, target);
  const scope = ACTION_SCOPES[action];
  if (decision !== 'allowed') return decision;
  return scope !== null && actor.scopes.has(scope) ? 'allowed' : 'insufficient_scope';
}

/**
 * DESIGN.md sections 2 and 5 as a pure function. Operators may do everything but grant
 * permissions; Org Admins (members or organization keys) everything in their organization but
 * operator actions and grants; store owners, admins (and store keys) and members what their role
 * allows in their store; keys only within their scopes; storefront tokens nothing. A store
 * requiring a second factor for key managers refuses key management to users who did not sign in with one this time (the token's `amr`).
 */
export function decide(actor: Actor, action: Action, target?: Target): Decision {
  if (actor.kind === 'cli') return 'allowed';
  if (actor.kind === 'storefront') return 'forbidden';
  if (actor.kind === 'application_key') return keyDecision(actor, action, target);
  const decision = userDecision(actor, action, target);
  if (
    decision === 'allowed' &&
    keyManagement.has(action) &&
    target?.requireTwoFactorForKeyManagers &&
    !actor.signedInWithSecondFactor
  )
    return 'two_factor_required';
  return decision;
}

/**
 * The admin scopes `actor` holds on `target`: those of the actions it may do there, read off the
 * same table (a person their role's, a delegate `keys:read keys:write`, a key its own within its
 * role, operators and the CLI all). A key made for `target` may be given these and no others.
 */
export function heldAdminScopes(actor: Actor, target: Target): Set<AdminScope> {
  return new Set(
    ADMIN_SCOPES_OF[target.owner.type].filter((scope) =>
      ACTIONS.some(
        (action) => ACTION_SCOPES[action] === scope && decide(actor, action, target) === 'allowed',
      ),
    ),
  );
}
