import type { Actor } from './actors.ts';
import type { OwnerRef } from './types.ts';

/** What a request wants to do. `*.set_rate_limit` and `organization.create` are for operators only. */
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
  | 'rate_limit.read';

/** The thing acted on: an organization or a store, with the organization it belongs to. */
export type Target = { owner: OwnerRef; organizationId: string };

/** `not_found` when the target is outside the actor's reach (the API answers 404, not 403). */
export type Decision = 'allowed' | 'forbidden' | 'not_found';

const operatorOnly = new Set<Action>([
  'organization.create',
  'resource_server.create',
  'organization.set_rate_limit',
  'store.set_rate_limit',
]);

/** Store keys act as Store Admin of their store: everything but the organization and limits. */
const storeAdminActions = new Set<Action>([
  'store.read',
  'store.update',
  'keys.manage',
  'audit.read',
  'rate_limit.read',
]);

function reaches(actor: Actor, target: Target | undefined): boolean {
  if (actor.kind === 'cli') return true;
  if (!target) return false;
  if (actor.owner.type === 'organization') return target.organizationId === actor.organizationId;
  return target.owner.type === 'store' && target.owner.id === actor.owner.id;
}

/**
 * DESIGN.md section 2 as a pure function. Organization keys act as Org Admin over the organization
 * and all its stores; store keys as Store Admin of their store; storefront tokens as nobody.
 */
export function decide(actor: Actor, action: Action, target?: Target): Decision {
  if (actor.kind === 'cli') return 'allowed';
  if (actor.kind === 'storefront') return 'forbidden';
  if (action === 'organization.create' || action === 'resource_server.create') return 'forbidden';
  if (!reaches(actor, target)) return 'not_found';
  if (operatorOnly.has(action)) return 'forbidden';
  if (actor.owner.type === 'organization') return 'allowed';
  return storeAdminActions.has(action) ? 'allowed' : 'forbidden';
}
