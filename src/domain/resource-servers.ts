import { authorize } from './authorize.ts';
import type { Actor } from './actors.ts';
import type { DomainDeps } from './context.ts';
import { AppError } from '../errors.ts';
import { isRegistrableResourceScope } from './scopes.ts';
import { clientIdFor } from './secrets.ts';
import type { ResourceServer } from './types.ts';

/**
 * Resource servers: credentials that may introspect any token, and the resource scopes they
 * understand (which any key manager may then give a key). Created by operators (the CLI).
 */
export function createResourceServers(deps: DomainDeps) {
  return {
    async create(
      actor: Actor,
      name: string,
      scopes: string[] = [],
    ): Promise<{ server: ResourceServer; secret: string }> {
      authorize(actor, 'resource_server.create');
      const invalid = scopes.filter((scope) => !isRegistrableResourceScope(scope));
      if (invalid.length)
        throw new AppError(
          'bad_request',
          `Not resource scopes: ${invalid.join(', ')} (use lower-case resource:action, e.g. orders:read, and none of appkeys' own scopes).`,
        );
      const { secret, hash } = deps.secrets.newSecret();
      const id = deps.newId();
      const server: ResourceServer = {
        id,
        name,
        clientId: clientIdFor('resource_server', id),
        secretHash: hash,
        scopes: [...new Set(scopes)],
        createdAt: deps.clock(),
      };
      await deps.repos.resourceServers.insert(server);
      return { server, secret };
    },
  };
}
