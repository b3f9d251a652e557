import { z } from 'zod';
import type { Membership, User } from '../domain/types.ts';
import { ADMIN_SCOPES } from '../domain/scopes.ts';
import { membershipOutput, presentMembership } from './memberships.ts';
import { envelope } from './shapes.ts';

/** A person: as the CLI creates one, and as `/v2/me` shows the signed-in one with their memberships. */
export const userOutput = z.object({
  id: z.string(),
  type: z.literal('user'),
  email: z.string(),
  operator: z.boolean(),
});

export function presentUser(user: User): z.output<typeof userOutput> {
  return { id: user.id, type: 'user', email: user.email, operator: user.operator };
}

/** A membership as its member sees it: with the owner's name and the admin scopes it lets them give a key. */
export const myMembershipOutput = membershipOutput.extend({
  owner: membershipOutput.shape.owner.extend({ name: z.string() }),
  scopes: z.array(z.enum(ADMIN_SCOPES)),
});

export const meOutput = userOutput.extend({
  totp_enrolled: z.boolean(),
  memberships: z.array(myMembershipOutput),
});

export type MyMembership = Membership & {
  ownerName: string;
  scopes: Iterable<(typeof ADMIN_SCOPES)[number]>;
};

export function presentMe(user: User, memberships: MyMembership[]): z.output<typeof meOutput> {
  return {
    ...presentUser(user),
    totp_enrolled: user.totpEnrolled,
    memberships: memberships.map(({ ownerName, scopes, ...m }) => ({
      ...presentMembership({ ...m, totpEnrolled: user.totpEnrolled }),
      owner: { ...m.owner, name: ownerName },
      scopes: [...scopes],
    })),
  };
}

// lengths are checked by the domain, which says what the rule is
export const changePasswordInput = envelope({
  current_password: z.string().max(4096),
  new_password: z.string().max(4096),
});

export const verifyTotpInput = envelope({ otp: z.string().regex(/^\d{6}$/, 'must be 6 digits') });

/** A second factor being enrolled: its secret and `otpauth://` URI, until a code confirms it. */
export const totpEnrolmentOutput = z.object({
  type: z.literal('totp'),
  secret: z.string(),
  otpauth_uri: z.string(),
  enrolled: z.literal(false),
});
export const totpConfirmedOutput = z.object({ type: z.literal('totp'), enrolled: z.literal(true) });

export const presentTotpEnrolment = (
  secret: string,
  otpauthUri: string,
): z.output<typeof totpEnrolmentOutput> => ({
  type: 'totp',
  secret,
  otpauth_uri: otpauthUri,
  enrolled: false,
});
export const presentTotpConfirmed = (): z.output<typeof totpConfirmedOutput> => ({
  type: 'totp',
  enrolled: true,
});
