import type { Actor } from './actors.ts';
import type { Target } from './permissions.ts';
import type { OwnerRef } from './types.ts';

/** Whose pools a request spends: an owner's, through a key's reservation first when `keyId` is set. */
export type Payer = { owner: OwnerRef; keyId: string };

/**
 * Charges an authorized request to its payer (the rate limiter over HTTP; absent for the CLI).
 * It may refuse (429). A request is charged at most once, however many checks it passes.
 */
export type Meter = (payer: Payer) => Promise<void>;

/**
 * Who pays for a request that `actor` was just authorized to make on `target`: a key (or its
 * storefront token) its own reservation and owner; a person the owner of the membership that
 * grants the right (the store for a store role, the organization for an org admin), never an
 * owner they do not belong to. Operators acting outside their memberships, and the CLI, pay
 * nothing.
 */
export function payerOf(actor: Actor, target: Target | undefined): Payer | undefined {
  switch (actor.kind) {
    case 'cli':
      return undefined;
    case 'application_key':
    case 'storefront':
      return { owner: actor.owner, keyId: actor.keyId };
    case 'user': {
      if (!target) return undefined;
      const { owner, organizationId } = target;
      const membership =
        actor.memberships.find(
          (m) => owner.type === 'store' && m.owner.type === 'store' && m.owner.id === owner.id,
        ) ??
        actor.memberships.find(
          (m) => m.role === 'org_admin' && m.owner.type === 'organization' && m.owner.id === organizationId,
        );
      return membership && { owner: membership.owner, keyId: '' };
    }
  }
}
