import type { ActorRef, OwnerRef } from './types.ts';

/** Who makes a request, as far as permissions care. */
export type Actor =
  | { kind: 'cli' }
  | { kind: 'application_key'; keyId: string; owner: OwnerRef; organizationId: string }
  /** An implicit (storefront) token: it may be rate-limited and introspected, nothing more. */
  | { kind: 'storefront'; keyId: string; owner: OwnerRef; organizationId: string };

export function actorRef(actor: Actor): ActorRef {
  switch (actor.kind) {
    case 'cli':
      return { type: 'cli', id: null };
    case 'application_key':
    case 'storefront':
      return { type: 'application_key', id: actor.keyId };
  }
}
