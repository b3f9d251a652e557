import { z } from 'zod';
import { ROLES, type Member } from '../domain/types.ts';
import { envelope, ownerOutput } from './shapes.ts';

/** A membership of a person in an organization or store: inputs, answer and presenter. */
export const role = z.enum(ROLES);
export const email = z.email().max(320);

export const addMemberInput = envelope({ email, role });
export const setPermissionsInput = envelope({ manage_application_keys: z.boolean() });

export const membershipOutput = z.object({
  id: z.string(),
  type: z.literal('membership'),
  user_id: z.string(),
  email: z.string(),
  role,
  owner: ownerOutput,
  permissions: z.object({ manage_application_keys: z.boolean() }),
  /** Whether the member has a second factor. */
  totp_enrolled: z.boolean(),
});

export function presentMembership(m: Member): z.output<typeof membershipOutput> {
  return {
    id: m.id,
    type: 'membership',
    user_id: m.userId,
    email: m.email,
    role: m.role,
    owner: m.owner,
    permissions: { manage_application_keys: m.permissions.manageApplicationKeys },
    totp_enrolled: m.totpEnrolled,
  };
}
