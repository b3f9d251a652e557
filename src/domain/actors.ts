import type { ActorRef, OwnerRef, Role } from './types.ts';

/** A user's membership as permissions see it. */
export type MembershipGrant = {
  owner: OwnerRef;
  organizationId: string;
  role: Role;
  manageApplicationKeys: boolean;
};

/** Who makes a request, as far as permissions care. */
export type Actor =
  | { kind: 'cli' }
  /** A key's client_credentials token, with the scopes it carries (within the key's current scopes). */
  | {
      kind: 'application_key';
      keyId: string;
      owner: OwnerRef;
      organizationId: string;
      scopes: ReadonlySet<string>;
    }
  /** An implicit (storefront) token: it may be rate-limited and introspected, nothing more. */
  | { kind: 'storefront'; keyId: string; owner: OwnerRef; organizationId: string }
  /** A signed-in person, with the memberships and second factor read fresh for this request. */
  | {
      kind: 'user';
      userId: string;
      operator: boolean;
      totpEnrolled: boolean;
      /** This token's sign-in used the second factor (its `amr` includes `otp`). */
      signedInWithSecondFactor: boolean;
      /** When this token's sign-in happened (epoch seconds), if known. */
      authTime: number | undefined;
      memberships: MembershipGrant[];
    };

export function actorRef(actor: Actor): ActorRef {
  switch (actor.kind) {
    case 'cli':
      return { type: 'cli', id: null };
    case 'application_key':
    case 'storefront':
      return { type: 'application_key', id: actor.keyId };
    case 'user':
      return { type: 'user', id: actor.userId };
  }
}
