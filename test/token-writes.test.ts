import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionName } from '../src/oauth/adapter-models.ts';
import { fixtures } from './helpers/fixtures.ts';
import { json } from './helpers/http.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

/**
 * Tokens requested at once are written together (one insertMany per turn of the event loop), and
 * each is answered only once it is stored: every token of a burst is in the database, active at
 * introspection, and the count of stored tokens is the count of tokens answered.
 */
let server: TestServer;
let f: ReturnType<typeof fixtures>;

beforeAll(async () => {
  server = await startTestServer();
  f = fixtures(server.runtime, server.url);
});
afterAll(() => server?.close());

const basic = (clientId: string, secret: string) =>
  `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;

describe('concurrent token requests', () => {
  it('50 at once: every token answered is stored and introspects active', async () => {
    const org = await f.organization(1000);
    const store = await f.store(org.id, 1000);
    const orgKey = await f.key({ type: 'organization', id: org.id });
    const storeKey = await f.key(
      { type: 'store', id: store.id },
      { allowedOrigins: ['https://shop.example'] },
    );
    // client_credentials of two keys (Basic and form credentials) and implicit tokens, interleaved
    const requests = Array.from({ length: 50 }, (_, i) => {
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      let body: string;
      if (i % 5 === 4) body = `grant_type=implicit&client_id=${storeKey.clientId}`;
      else if (i % 2) {
        headers.authorization = basic(orgKey.clientId, orgKey.secret);
        body = 'grant_type=client_credentials';
      } else
        body = new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: storeKey.clientId,
          client_secret: storeKey.secret,
          scope: 'keys:read',
        }).toString();
      return fetch(`${server.url}/token`, { method: 'POST', headers, body });
    });
    const answers = await Promise.all(
      requests.map(async (response) => [(await response).status, await json(response)] as const),
    );
    for (const [status, body] of answers) expect(status, JSON.stringify(body)).toBe(200);
    const tokens = answers.map(([, body]) => body.access_token as string);
    expect(new Set(tokens).size).toBe(50);

    const stored = server.db.collection(collectionName('ClientCredentials'));
    expect(await stored.countDocuments({ _id: { $in: tokens as never[] } })).toBe(50);
    expect(
      await stored.countDocuments({ 'payload.clientId': { $in: [orgKey.clientId, storeKey.clientId] } }),
    ).toBe(50);

    // the organization key may introspect its own tokens and those of its stores
    const introspections = await Promise.all(
      tokens.map(async (token) => {
        const response = await fetch(`${server.url}/token/introspection`, {
          method: 'POST',
          headers: {
            authorization: basic(orgKey.clientId, orgKey.secret),
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: `token=${token}`,
        });
        return json(response);
      }),
    );
    for (const introspection of introspections) expect(introspection).toMatchObject({ active: true });
    expect(introspections.filter((i) => i.scope === 'storefront')).toHaveLength(10);
    expect(introspections.filter((i) => i.scope === 'keys:read')).toHaveLength(20);
  });
});
