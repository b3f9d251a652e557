import type { Repositories } from '../domain/ports.ts';
import { parseClientId } from '../domain/secrets.ts';
import type { ApplicationKey, ResourceServer } from '../domain/types.ts';
import type { ClientCache } from './client-cache.ts';

/** What a client id names: an application key or a resource server. */
export type ClientRecord =
  { kind: 'application_key'; key: ApplicationKey } | { kind: 'resource_server'; server: ResourceServer };

/**
 * The clients of the hot paths (the Client adapter of oidc-provider, introspection's and /v2's
 * check that a token's key still exists), read through the client cache. Changes of keys go
 * straight to the repositories; `withClientChanges` (client-changes.ts) tells the cache.
 */
export function createClients(repos: Repositories, cache: ClientCache<ClientRecord>) {
  async function load(clientId: string): Promise<ClientRecord | undefined> {
    const parsed = parseClientId(clientId);
    if (parsed?.kind === 'application_key') {
      const key = await repos.applicationKeys.findClientByClientId(clientId);
      return key && { kind: 'application_key', key };
    }
    if (parsed?.kind === 'resource_server') {
      const server = await repos.resourceServers.findByClientId(clientId);
      return server && { kind: 'resource_server', server };
    }
    return undefined;
  }

  const find = (clientId: string): Promise<ClientRecord | undefined> =>
    cache.get(clientId, () => load(clientId));

  return {
    find,

    /**
     * The key a token of `clientId` was minted for, if that key still exists: deleting a key
     * revokes its tokens, but a token minted while the key was being deleted can be stored after
     * that revocation ran, so its key is checked on every use.
     */
    async liveKey(keyId: string, clientId: string | undefined): Promise<ApplicationKey | undefined> {
      if (!clientId) return undefined;
      const client = await find(clientId);
      return client?.kind === 'application_key' && client.key.id === keyId ? client.key : undefined;
    },
  };
}

export type Clients = ReturnType<typeof createClients>;
