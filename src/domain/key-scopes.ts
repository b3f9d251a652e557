import { AppError } from '../errors.ts';
import type { Actor } from './actors.ts';
import { heldAdminScopes, type Target } from './permissions.ts';
import { ADMIN_SCOPES_OF, isAdminScope, missingScopes, normalizeScopes } from './scopes.ts';

/**
 * The no-escalation rule (DESIGN.md section 5): a key may be given only the admin scopes its maker
 * holds on the key's owner, and any registered resource scope. Whoever changes or rotates a key
 * must hold every admin scope the key has, or the change would hand them a more powerful key.
 */
export function createKeyScopeRules(registeredScopes: () => Promise<Set<string>>) {
  /** The scopes a new or updated key gets: `requested`, checked, or all the maker's admin scopes. */
  async function grantable(actor: Actor, target: Target, requested: string[] | undefined): Promise<string[]> {
    const held = heldAdminScopes(actor, target);
    if (requested === undefined) return normalizeScopes(held);
    const ownAdmin = new Set<string>(ADMIN_SCOPES_OF[target.owner.type]);
    const registered = await registeredScopes();
    const unknown = requested.filter((scope) => !ownAdmin.has(scope) && !registered.has(scope));
    if (unknown.length)
      throw new AppError(
        'bad_request',
        `Unknown scope${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} for a ${target.owner.type} key: ` +
          `use admin scopes (${ADMIN_SCOPES_OF[target.owner.type].join(', ')}) or scopes registered by a resource server.`,
      );
    const beyond = missingScopes(requested.filter(isAdminScope), held);
    if (beyond.length) throw escalation(`give a key ${beyond.join(', ')}`, beyond);
    return normalizeScopes(requested);
  }

  /** Throws 403 unless `actor` holds every admin scope of the key (changing or rotating it). */
  function assertHoldsKeyScopes(actor: Actor, target: Target, keyScopes: string[], verb: string): void {
    const missing = missingScopes(keyScopes.filter(isAdminScope), heldAdminScopes(actor, target));
    if (missing.length) throw escalation(`${verb} a key holding ${missing.join(', ')}`, missing);
  }

  return { grantable, assertHoldsKeyScopes };
}

const escalation = (what: string, missing: string[]) =>
  new AppError(
    'forbidden',
    `Not allowed to ${what}: you do not hold ${missing.length > 1 ? 'these scopes' : 'this scope'} yourself (${missing.join(' ')}).`,
  );

export type KeyScopeRules = ReturnType<typeof createKeyScopeRules>;
