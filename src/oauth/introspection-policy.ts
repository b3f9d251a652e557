import type { Client } from 'oidc-provider';
import type { Repositories } from '../domain/ports.ts';
import { clientInfo } from './client-metadata.ts';

type TokenExtra = { application_key_id?: string; store_id?: string; organization_id?: string };

/**
 * Who may introspect what (replacing oidc-provider's default, which lets any client introspect
 * its own tokens only): a resource server any token; a key the tokens of keys of its own owner,
 * and an organization key also those of the organization's stores. Everyone else sees
 * `{"active": false}`.
 */
export function createIntrospectionPolicy(repos: Repositories) {
  const storeOrganizations = new Map<string, string>(); // a store never changes organization

  async function organizationOfStore(storeId: string): Promise<string | undefined> {
    const cached = storeOrganizations.get(storeId);
    if (cached) return cached;
    const store = await repos.stores.findById(storeId);
    if (store) storeOrganizations.set(storeId, store.organizationId);
    return store?.organizationId;
  }

  return async function allowedPolicy(_ctx: unknown, caller: Client, token: object): Promise<boolean> {
    const info = clientInfo(caller);
    if (!info) return false;
    if (info.kind === 'resource_server') return true;
    const extra: TokenExtra = (token as { extra?: TokenExtra }).extra ?? {};
    if (!extra.application_key_id) return false;
    if (info.owner.type === 'store') return extra.store_id === info.owner.id;
    if (extra.organization_id) return extra.organization_id === info.owner.id;
    return extra.store_id !== undefined && (await organizationOfStore(extra.store_id)) === info.owner.id;
  };
}
