import { AppError } from '../errors.ts';
import type { Actor } from './actors.ts';
import { createAudit, diff } from './audit.ts';
import { assertAllowed, authorize } from './authorize.ts';
import { limitsLease, type DomainDeps } from './context.ts';
import type { Action, Target } from './permissions.ts';
import { limitConflict, poolWarnings, sumReserved } from './reservations.ts';
import type { Organization, OwnerRef, Page, Store } from './types.ts';

export type OwnerInput = { name: string; rateLimit: number };
export type OwnerChanges = Partial<OwnerInput> & { requireTwoFactorForKeyManagers?: boolean };

/** The fields a change sets: a field not sent is `undefined`, which must not blank the current value. */
const sent = (changes: OwnerChanges): OwnerChanges =>
  Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));

const organizationTarget = (organization: Organization): Target => ({
  owner: { type: 'organization', id: organization.id },
  organizationId: organization.id,
});
const storeTarget = (store: Store): Target => ({
  owner: { type: 'store', id: store.id },
  organizationId: store.organizationId,
  requireTwoFactorForKeyManagers: store.requireTwoFactorForKeyManagers,
});

/**
 * Only a store owner (or an operator, or the CLI) changes `require_2fa_for_key_managers`, and
 * turning it off takes a sign-in with the second factor: otherwise a stolen password (or a
 * session signed in without the factor) could switch off the rule that stops it.
 */
function checkTwoFactorPolicyChange(actor: Actor, target: Target, required: boolean): void {
  // the right itself (store.set_two_factor_policy) is checked with the update's (updateStore)
  if (!required && actor.kind === 'user' && !actor.signedInWithSecondFactor)
    throw new AppError(
      'forbidden',
      `Turning off require_2fa_for_key_managers of store ${target.owner.id} needs a sign-in with your second factor.`,
    );
}

/** Organizations and their stores. Changing a rate_limit runs under the owner's reservation lease. */
export function createOrganizations(deps: DomainDeps) {
  const { repos, leases, clock } = deps;
  const audit = createAudit(deps);

  async function findOrganization(
    actor: Actor,
    id: string,
    actions: (organization: Organization) => Action | Action[],
  ) {
    const organization = await repos.organizations.findById(id);
    if (!organization) throw new AppError('not_found', `No organization ${id}.`);
    await authorize(actor, actions(organization), organizationTarget(organization));
    return organization;
  }

  async function findStore(actor: Actor, id: string, actions: (store: Store) => Action | Action[]) {
    const store = await repos.stores.findById(id);
    if (!store) throw new AppError('not_found', `No store ${id}.`);
    await authorize(actor, actions(store), storeTarget(store));
    return store;
  }

  /** An update needs the right to set the rate limit too when it changes it (checked with the rest, before any charge). */
  const updateActions =
    (update: Action, setRateLimit: Action, changes: OwnerChanges) =>
    (current: { rateLimit: number }): Action[] =>
      changes.rateLimit !== undefined && changes.rateLimit !== current.rateLimit
        ? [update, setRateLimit]
        : [update];

  /**
   * Writes `changes` under the owner's lease: the current values are read under it, a new
   * rate_limit is checked against the reservations, and the audit event (before -> after) is
   * written before the lease is released, so the trail has exactly the order of the changes.
   */
  async function change(
    actor: Actor,
    owner: OwnerRef,
    target: Target,
    reload: () => Promise<OwnerInput & { requireTwoFactorForKeyManagers?: boolean }>,
    changes: OwnerChanges,
    write: (fields: OwnerChanges, at: Date) => Promise<void>,
  ): Promise<string[]> {
    if (
      changes.name === undefined &&
      changes.rateLimit === undefined &&
      changes.requireTwoFactorForKeyManagers === undefined
    )
      return [];
    const now = clock();
    return leases.run(limitsLease(owner), async () => {
      const current = await reload();
      let warnings: string[] = [];
      const limitChanged = changes.rateLimit !== undefined && changes.rateLimit !== current.rateLimit;
      if (limitChanged) {
        // checked (and charged) before with the update's rights; checked again on the value read under the lease
        assertAllowed(
          actor,
          owner.type === 'organization' ? 'organization.set_rate_limit' : 'store.set_rate_limit',
          target,
        );
        const rateLimit = changes.rateLimit ?? current.rateLimit;
        const reserved = sumReserved(await repos.applicationKeys.allOfOwner(owner));
        const conflict = limitConflict({ ownerType: owner.type, rateLimit, reserved });
        if (conflict) throw new AppError('conflict', conflict);
        warnings = poolWarnings(rateLimit, reserved);
      }
      const { rateLimit: _limit, ...plain } = changes;
      // FerretDB v1 writes whole documents, so even plain changes must not overlap: hence the lease
      if (limitChanged) await write(changes, now);
      else if (Object.keys(plain).length) await write(plain, now);
      const changed = diff(
        {
          name: current.name,
          rate_limit: current.rateLimit,
          require_2fa_for_key_managers: current.requireTwoFactorForKeyManagers,
        },
        {
          name: changes.name,
          rate_limit: limitChanged ? changes.rateLimit : undefined,
          require_2fa_for_key_managers: changes.requireTwoFactorForKeyManagers,
        },
      );
      if (Object.keys(changed).length)
        await audit.record(
          actor,
          target,
          owner.type === 'organization' ? 'organization.updated' : 'store.updated',
          owner,
          changed,
        );
      if (limitChanged) await deps.onLimitsChanged?.(owner);
      return warnings;
    });
  }

  return {
    async createOrganization(actor: Actor, input: OwnerInput): Promise<Organization> {
      await authorize(actor, 'organization.create');
      const now = clock();
      const organization: Organization = { id: deps.newId(), ...input, createdAt: now, updatedAt: now };
      await repos.organizations.insert(organization);
      await audit.record(actor, organizationTarget(organization), 'organization.created', {
        type: 'organization',
        id: organization.id,
      });
      return organization;
    },

    getOrganization: (actor: Actor, id: string) => findOrganization(actor, id, () => 'organization.read'),

    async updateOrganization(actor: Actor, id: string, changes: OwnerChanges) {
      const organization = await findOrganization(
        actor,
        id,
        updateActions('organization.update', 'organization.set_rate_limit', changes),
      );
      const owner: OwnerRef = { type: 'organization', id };
      const warnings = await change(
        actor,
        owner,
        organizationTarget(organization),
        async () => (await repos.organizations.findById(id)) ?? organization,
        changes,
        (fields, at) => repos.organizations.update(id, fields, at),
      );
      return { organization: { ...organization, ...sent(changes), updatedAt: clock() }, warnings };
    },

    async createStore(actor: Actor, organizationId: string, input: OwnerInput): Promise<Store> {
      await findOrganization(actor, organizationId, () => 'store.create');
      const now = clock();
      const store: Store = {
        id: deps.newId(),
        organizationId,
        ...input,
        requireTwoFactorForKeyManagers: false,
        createdAt: now,
        updatedAt: now,
      };
      await repos.stores.insert(store);
      await audit.record(actor, storeTarget(store), 'store.created', { type: 'store', id: store.id });
      return store;
    },

    async listStores(actor: Actor, organizationId: string, page: Page) {
      await findOrganization(actor, organizationId, () => 'organization.read');
      return repos.stores.listByOrganization(organizationId, page);
    },

    getStore: (actor: Actor, id: string) => findStore(actor, id, () => 'store.read'),

    async updateStore(actor: Actor, id: string, changes: OwnerChanges) {
      const policy = changes.requireTwoFactorForKeyManagers;
      const policyChanges = (current: Store) =>
        policy !== undefined && policy !== current.requireTwoFactorForKeyManagers;
      const store = await findStore(actor, id, (current) => [
        ...updateActions('store.update', 'store.set_rate_limit', changes)(current),
        ...(policyChanges(current) ? (['store.set_two_factor_policy'] as const) : []),
      ]);
      const owner: OwnerRef = { type: 'store', id };
      if (policy !== undefined && policyChanges(store))
        checkTwoFactorPolicyChange(actor, storeTarget(store), policy);
      const warnings = await change(
        actor,
        owner,
        storeTarget(store),
        async () => (await repos.stores.findById(id)) ?? store,
        changes,
        (fields, at) => repos.stores.update(id, fields, at),
      );
      return { store: { ...store, ...sent(changes), updatedAt: clock() }, warnings };
    },
  };
}

export type Organizations = ReturnType<typeof createOrganizations>;
