import { AppError } from '../errors.ts';
import type { Actor } from './actors.ts';
import { createAudit } from './audit.ts';
import { authorize } from './authorize.ts';
import type { DomainDeps } from './context.ts';
import { resolveOwner, type ResolvedOwner } from './owners.ts';
import { DuplicateNameError } from './ports.ts';
import {
  ROLES_OF,
  type Member,
  type Membership,
  type OwnerRef,
  type Page,
  type Paged,
  type Role,
} from './types.ts';

const rolesOf: Record<OwnerRef['type'], readonly Role[]> = ROLES_OF;

export type PermissionResult = { membership: Member; warnings: string[] };

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
    await authorize(actor, action, owner);
    const membership = await repos.memberships.find(ref, userId);
    if (!membership)
      throw new AppError('not_found', `User ${userId} is not a member of ${ref.type} ${ref.id}.`);
    return { owner, membership };
  }

  return {
    async add(actor: Actor, ref: OwnerRef, input: { email: string; role: Role }): Promise<Member> {
      const owner: ResolvedOwner = await resolveOwner(repos, ref);
      if (!rolesOf[ref.type].includes(input.role))
        throw new AppError(
          'bad_request',
          `A ${ref.type} member's role is one of ${rolesOf[ref.type].join(', ')}.`,
        );
      await authorize(actor, manageAction(input.role), owner);
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
      return { ...membership, totpEnrolled: user.totpEnrolled };
    },

    /**
     * A person's own memberships (for /v2/me), each with its owner's name: the person belongs to
     * those owners, so may know what they are called (two reads, whatever their number).
     */
    async ofUser(userId: string): Promise<Array<Membership & { ownerName: string }>> {
      const mine = await repos.memberships.listByUser(userId);
      const idsOf = (type: OwnerRef['type']) =>
        mine.filter((m) => m.owner.type === type).map((m) => m.owner.id);
      const [organizations, stores] = await Promise.all([
        repos.organizations.namesOf(idsOf('organization')),
        repos.stores.namesOf(idsOf('store')),
      ]);
      const names = { organization: organizations, store: stores };
      return mine.map((m) => ({ ...m, ownerName: names[m.owner.type].get(m.owner.id) ?? '' }));
    },

    /** A page of an owner's members, with who has a second factor (one more read for the page). */
    async list(actor: Actor, ref: OwnerRef, page: Page): Promise<Paged<Member>> {
      await authorize(actor, 'members.read', await resolveOwner(repos, ref));
      const { items, total } = await repos.memberships.listByOwner(ref, page);
      const enrolled = await repos.users.withSecondFactor(items.map((m) => m.userId));
      return { items: items.map((m) => ({ ...m, totpEnrolled: enrolled.has(m.userId) })), total };
    },

    async remove(actor: Actor, ref: OwnerRef, userId: string): Promise<void> {
      const owner = await resolveOwner(repos, ref);
      const membership = await repos.memberships.find(ref, userId);
      // one check (and one charge): the right to remove anyone at all (members:write for keys),
      // then over the member's role; whether they are a member is said only after both
      await authorize(
        actor,
        membership ? ['members.manage', manageAction(membership.role)] : 'members.manage',
        owner,
      );
      if (!membership)
        throw new AppError('not_found', `User ${userId} is not a member of ${ref.type} ${ref.id}.`);
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
      const totpEnrolled = (await repos.users.findById(userId))?.totpEnrolled ?? false;
      if (manageApplicationKeys && owner.requireTwoFactorForKeyManagers) {
        if (!totpEnrolled)
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
      return {
        membership: { ...membership, permissions: { manageApplicationKeys }, totpEnrolled },
        warnings,
      };
    },
  };
}

export type Memberships = ReturnType<typeof createMemberships>;
