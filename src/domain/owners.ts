import { AppError } from '../errors.ts';
import type { Repositories } from './ports.ts';
import type { Target } from './permissions.ts';
import type { OwnerRef } from './types.ts';

export type ResolvedOwner = Target & { name: string; rateLimit: number };

/** Loads an organization or store as an owner of keys; 404 when it does not exist. */
export async function resolveOwner(repos: Repositories, owner: OwnerRef): Promise<ResolvedOwner> {
  if (owner.type === 'organization') {
    const organization = await repos.organizations.findById(owner.id);
    if (!organization) throw new AppError('not_found', `No organization ${owner.id}.`);
    return {
      owner,
      organizationId: organization.id,
      name: organization.name,
      rateLimit: organization.rateLimit,
    };
  }
  const store = await repos.stores.findById(owner.id);
  if (!store) throw new AppError('not_found', `No store ${owner.id}.`);
  return {
    owner,
    organizationId: store.organizationId,
    name: store.name,
    rateLimit: store.rateLimit,
    requireTwoFactorForKeyManagers: store.requireTwoFactorForKeyManagers,
  };
}
