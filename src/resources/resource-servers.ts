import { z } from 'zod';
import type { ResourceServer } from '../domain/types.ts';
import { name, resourceScope } from './shapes.ts';

/** A resource server (created by the CLI): credentials that may introspect any token. */
export const resourceServerFields = { name, scopes: z.array(resourceScope).max(100) };

export const resourceServerOutput = z.object({
  id: z.string(),
  type: z.literal('resource_server'),
  name: z.string(),
  client_id: z.string(),
  client_secret: z.string(),
  scopes: z.array(z.string()),
});

export function presentResourceServer(
  server: ResourceServer,
  secret: string,
): z.output<typeof resourceServerOutput> {
  return {
    id: server.id,
    type: 'resource_server',
    name: server.name,
    client_id: server.clientId,
    client_secret: secret,
    scopes: server.scopes,
  };
}
