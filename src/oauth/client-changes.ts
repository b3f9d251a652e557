import type { Repositories } from '../domain/ports.ts';
import { clientIdFor } from '../domain/secrets.ts';

/**
 * The repositories, telling `changed` the client id of every application key they update or
 * remove, after the write: the server drops its cached client at once and publishes the change
 * to the other instances (client-invalidations.ts). Doing it here rather than in the domain
 * catches every writer of a key (the API, the CLI, the domain's rotations and deletions alike).
 * New keys and resource servers need no message: misses are never cached (client-cache.ts), and
 * resource servers are never changed.
 */
export function withClientChanges(
  repos: Repositories,
  /** Must not throw. */
  changed: (clientId: string) => Promise<void>,
): Repositories {
  const keys = repos.applicationKeys;
  return {
    ...repos,
    applicationKeys: {
      ...keys,
      async update(id, fields, at) {
        try {
          await keys.update(id, fields, at);
        } finally {
          // also when the write failed: it may have happened all the same (a timeout, say)
          await changed(clientIdFor('application_key', id));
        }
      },
      async remove(id) {
        try {
          await keys.remove(id);
        } finally {
          await changed(clientIdFor('application_key', id));
        }
      },
    },
  };
}
