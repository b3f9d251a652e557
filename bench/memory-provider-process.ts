// The ceiling for token issuance and introspection: the same oidc-provider with its in-memory
// adapter and one static client, nothing else. The client may introspect its own tokens.
import http from 'node:http';
import { once } from 'node:events';
import Provider from 'oidc-provider';
import { memoryClient } from './fixtures.ts';

const port = Number(process.env.PORT);
const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: memoryClient.id,
      client_secret: memoryClient.secret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope: 'admin',
    },
  ],
  scopes: ['admin'],
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
    introspection: {
      enabled: true,
      allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
    },
  },
});
const server = http.createServer(provider.callback()).listen(port, '127.0.0.1');
await once(server, 'listening');
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
