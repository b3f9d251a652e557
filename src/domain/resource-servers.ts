import { authorize } from './authorize.ts';
import type { Actor } from './actors.ts';
import type { DomainDeps } from './context.ts';
import { clientIdFor } from './secrets.ts';
import type { ResourceServer } from './types.ts';

/** Resource servers: credentials that may introspect any token. Created by operators (the CLI). */
export function createResourceServers(deps: DomainDeps) {
  return {
    async create(actor: Actor, name: string): Promise<{ server: ResourceServer; secret: string }> {
      await authorize(actor, 'resource_server.create');
      const { secret, hash } = deps.secrets.newSecret();
      const id = deps.newId();
      const server: ResourceServer = {
        id,
        name,
        clientId: clientIdFor('resource_server', id),
        secretHash: hash,
        createdAt: deps.clock(),
      };
      await deps.repos.resourceServers.insert(server);
      return { server, secret };
    },
  };
}
