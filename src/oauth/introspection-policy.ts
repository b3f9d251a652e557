import type { Client } from 'oidc-provider';
import type { Repositories } from '../domain/ports.ts';
import { clientInfo } from './client-metadata.ts';
import type { Clients } from './clients.ts';

type TokenExtra = { application_key_id?: string; store_id?: string; organization_id?: string };

/**
 * Who may introspect what (replacing oidc-provider's default, which lets any client introspect
 * its own tokens only): a resource server any token; a key the tokens of keys of its own owner,
 * and an organization key also those of the organization's stores. Everyone else sees
 * `{"active": false}`, and so does everyone for a token whose key no longer exists.
 */
export function createIntrospectionPolicy(repos: Repositories, clients: Clients) {
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
    const extra: TokenExtra = (token as { extra?: TokenExtra }).extra ?? {};
    const clientId = (token as { clientId?: string }).clientId;
    // a key's token is live only while its key exists (clients.ts)
    if (extra.application_key_id && !(await clients.liveKey(extra.application_key_id, clientId)))
      return false;
    if (info.kind === 'resource_server') return true;
    if (!extra.application_key_id) return false;
    if (info.owner.type === 'store') return extra.store_id === info.owner.id;
    if (extra.organization_id) return extra.organization_id === info.owner.id;
    return extra.store_id !== undefined && (await organizationOfStore(extra.store_id)) === info.owner.id;
  };
}
