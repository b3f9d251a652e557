// The ceiling for token issuance: the same oidc-provider with its in-memory adapter and one
// static client, nothing else.
import http from 'node:http';
import { once } from 'node:events';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: 'bench',
      client_secret: 'bench-secret-bench-secret-bench-secret',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope: 'admin',
    },
  ],
  scopes: ['admin'],
  features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
});
const server = http.createServer(provider.callback()).listen(port, '127.0.0.1');
await once(server, 'listening');
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
