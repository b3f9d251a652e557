import { AppError } from '../errors.ts';
import type { Actor } from './actors.ts';
import { createAudit } from './audit.ts';
import { authorize } from './authorize.ts';
import type { DomainDeps } from './context.ts';
import { resolveOwner, type ResolvedOwner } from './owners.ts';
import { DuplicateNameError } from './ports.ts';
import type { Membership, OwnerRef, Page, Role } from './types.ts';

const rolesOf: Record<OwnerRef['type'], readonly Role[]> = {
  organization: ['org_admin'],
  store: ['store_owner', 'store_admin', 'store_member'],
};

export type PermissionResult = { membership: Membership; warnings: string[] };

/**
 * Memberships of organizations and stores, and the delegated `manage_application_keys`
 * permission. Only a store owner grants or revokes it; it never changes the member's role.
 */
export function createMemberships(deps: DomainDeps) {
  const { repos, clock } = deps;
  const audit = createAudit(deps);

  /** Adding or removing an owner needs more than adding or removing anyone else. */
  const manageAction = (role: Role) => (role === 'store_owner' ? 'members.manage_owner' : 'members.manage');

  async function memberOf(
    actor: Actor,
    ref: OwnerRef,
    userId: string,
    action: 'members.read' | 'permissions.grant',
  ) {
    const owner = await resolveOwner(repos, ref);
    authorize(actor, action, owner);
    const membership = await repos.memberships.find(ref, userId);
    if (!membership)
      throw new AppError('not_found', `User ${userId} is not a member of ${ref.type} ${ref.id}.`);
    return { owner, membership };
  }

  return {
    async add(actor: Actor, ref: OwnerRef, input: { email: string; role: Role }): Promise<Membership> {
      const owner: ResolvedOwner = await resolveOwner(repos, ref);
      if (!rolesOf[ref.type].includes(input.role))
        throw new AppError(
          'bad_request',
          `A ${ref.type} member's role is one of ${rolesOf[ref.type].join(', ')}.`,
        );
      authorize(actor, manageAction(input.role), owner);
      const user = await repos.users.findByEmail(input.email);
      if (!user)
        throw new AppError(
          'not_found',
          `No user with the email ${input.email}; an operator creates accounts.`,
        );
      const membership: Membership = {
        id: deps.newId(),
        userId: user.id,
        email: user.email,
        owner: ref,
        organizationId: owner.organizationId,
        role: input.role,
        permissions: { manageApplicationKeys: false },
        createdAt: clock(),
      };
      try {
        await repos.memberships.insert(membership);
      } catch (error) {
        if (error instanceof DuplicateNameError)
          throw new AppError('conflict', `${user.email} is already a member of ${ref.type} ${ref.id}.`);
        throw error;
      }
      await audit.record(
        actor,
        owner,
        'member.added',
        { type: 'user', id: user.id },
        { role: { from: null, to: input.role } },
      );
      return membership;
    },

    /** A person's own memberships (for /v2/me). */
    ofUser: (userId: string) => repos.memberships.listByUser(userId),

    async list(actor: Actor, ref: OwnerRef, page: Page) {
      authorize(actor, 'members.read', await resolveOwner(repos, ref));
      return repos.memberships.listByOwner(ref, page);
    },

    async remove(actor: Actor, ref: OwnerRef, userId: string): Promise<void> {
      const owner = await resolveOwner(repos, ref);
      // may remove someone at all (members:write for keys), before saying whether they are a member
      authorize(actor, 'members.manage', owner);
      const membership = await repos.memberships.find(ref, userId);
      if (!membership)
        throw new AppError('not_found', `User ${userId} is not a member of ${ref.type} ${ref.id}.`);
      authorize(actor, manageAction(membership.role), owner);
      await repos.memberships.remove(membership.id);
      await audit.record(
        actor,
        owner,
        'member.removed',
        { type: 'user', id: userId },
        { role: { from: membership.role, to: null } },
      );
    },

    async setPermissions(
      actor: Actor,
      ref: OwnerRef,
      userId: string,
      manageApplicationKeys: boolean,
    ): Promise<PermissionResult> {
      if (ref.type !== 'store')
        throw new AppError('bad_request', 'manage_application_keys is granted on stores.');
      const { owner, membership } = await memberOf(actor, ref, userId, 'permissions.grant');
      const warnings: string[] = [];
      if (manageApplicationKeys && owner.requireTwoFactorForKeyManagers) {
        const user = await repos.users.findById(userId);
        if (!user?.totpEnrolled)
          warnings.push(
            `${membership.email} has no second factor; this store requires one for key managers, so key management will be refused until they enrol TOTP.`,
          );
      }
      if (membership.permissions.manageApplicationKeys !== manageApplicationKeys) {
        await repos.memberships.setPermissions(membership.id, { manageApplicationKeys });
        await audit.record(
          actor,
          owner,
          manageApplicationKeys ? 'permission.granted' : 'permission.revoked',
          { type: 'user', id: userId },
          { manage_application_keys: { from: !manageApplicationKeys, to: manageApplicationKeys } },
        );
      }
      return { membership: { ...membership, permissions: { manageApplicationKeys } }, warnings };
    },
  };
}

export type Memberships = ReturnType<typeof createMemberships>;
