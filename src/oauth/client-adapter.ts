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
  // the metadata of a cached record, built once: a record object is replaced, never changed, when
  // its key changes (client-cache.ts), so it can key its own metadata
  const built = new WeakMap<object, Partial<Record<'confidential' | 'public' | 'server', AdapterPayload>>>();
  const once = (record: object, variant: 'confidential' | 'public' | 'server', make: () => object) => {
    let variants = built.get(record);
    if (!variants) built.set(record, (variants = {}));
    return (variants[variant] ??= make() as AdapterPayload);
  };
  return class ClientAdapter implements Adapter {
    async find(clientId: string): Promise<AdapterPayload | undefined> {
      const client = await clients.find(clientId);
      if (client?.kind === 'application_key') {
        const variant = isImplicitRequest() ? 'public' : 'confidential';
        return { ...once(client.key, variant, () => keyClientMetadata(client.key, variant)) };
      }
      return client
        ? { ...once(client.server, 'server', () => resourceServerMetadata(client.server)) }
        : undefined;
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
