import Provider, { type Adapter, type AdapterPayload } from 'oidc-provider';
import { IMPLICIT_GRANT, keyClientMetadata, resourceServerMetadata } from './client-metadata.ts';
import type { Clients } from './clients.ts';

/** True while oidc-provider handles a (translated) implicit token request. */
function isImplicitRequest(): boolean {
  const ctx = Provider.ctx as { oidc?: { params?: { grant_type?: unknown } } } | undefined;
  return ctx?.oidc?.params?.grant_type === IMPLICIT_GRANT;
}

/**
 * The `Client` model of oidc-provider, read from application keys and resource servers. Clients
 * are never written through it (there is no dynamic registration); keys change through the API.
 * Reads go through the client cache (clients.ts).
 */
export function createClientAdapter(clients: Clients) {
  return class ClientAdapter implements Adapter {
    async find(clientId: string): Promise<AdapterPayload | undefined> {
      const client = await clients.find(clientId);
      if (client?.kind === 'application_key')
        return keyClientMetadata(
          client.key,
          isImplicitRequest() ? 'public' : 'confidential',
        ) as AdapterPayload;
      return client ? (resourceServerMetadata(client.server) as AdapterPayload) : undefined;
    }

    async upsert(): Promise<void> {
      throw new Error('clients are application keys; change them through the admin API');
    }

    async findByUid() {
      return undefined;
    }

    async findByUserCode() {
      return undefined;
    }

    async consume(): Promise<void> {}

    async destroy(): Promise<void> {}

    async revokeByGrantId(): Promise<void> {}
  };
}
