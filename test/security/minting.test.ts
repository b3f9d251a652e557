import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, fixtures } from '../helpers/fixtures.ts';
import { basic, form, rawRequest, type RawResponse } from '../helpers/raw-request.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * Minting is a request too (DESIGN.md section 6): each token request of a known key is charged to
 * the key like an API request, and refused with 429, Retry-After and an OAuth error body when its
 * pools are spent. The implicit grant is for browsers of the key's allowed origins only.
 */
let server: TestServer;
let f: ReturnType<typeof fixtures>;
const ORIGIN = 'https://shop.example';

beforeAll(async () => {
  server = await startTestServer();
  f = fixtures(server.runtime, server.url);
});
afterAll(() => server?.close());

/** A store of `limit` a second whose one key reserves `reserved` of it and lists ORIGIN. */
async function keyOfStore(limit: number, reserved = 0) {
  const org = await f.organization(1000);
  const store = await f.store(org.id, limit);
  const key = await f.key(
    { type: 'store', id: store.id },
    { reservedRateLimit: reserved, allowedOrigins: [ORIGIN] },
  );
  return { store, key };
}

const clientCredentials = (key: { clientId: string; secret: string }, secret = key.secret) => {
  const { body, ...headers } = form({ grant_type: 'client_credentials' });
  return rawRequest(server.url, '/token', {
    method: 'POST',
    headers: { ...headers, authorization: basic(key.clientId, secret) },
    body,
  });
};

const implicit = (key: { clientId: string }, origin?: string) => {
  const { body, ...headers } = form({ grant_type: 'implicit', client_id: key.clientId });
  return rawRequest(server.url, '/token', {
    method: 'POST',
    headers: { ...headers, ...(origin && { origin }) },
    body,
  });
};

const statuses = (responses: RawResponse[]) => responses.map((r) => r.status);

describe('each token request of a key is charged to it', () => {
  it('client_credentials: past the reservation and the shared pool, 429 with Retry-After and slow_down', async () => {
    const { key } = await keyOfStore(3, 3);
    const responses = await Promise.all(Array.from({ length: 8 }, () => clientCredentials(key)));
    const admitted = responses.filter((r) => r.status === 200);
    expect(admitted.length).toBeGreaterThanOrEqual(3);
    expect(admitted.length).toBeLessThanOrEqual(4);
    expect(admitted[0]!.headers.ratelimit).toMatch(/^"key";r=\d;t=1$/);
    expect(admitted[0]!.headers['ratelimit-policy']).toBe('"key";q=3;w=1, "shared";q=0;w=1');
    const refused = responses.filter((r) => r.status === 429);
    expect(refused.length).toBe(8 - admitted.length);
    expect(Number(refused[0]!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused[0]!.body).toMatchObject({ error: 'slow_down', error_description: expect.any(String) });
  });

  it('implicit: charged the same way, to the key whose client id was sent', async () => {
    const { key } = await keyOfStore(2);
    const responses = await Promise.all(Array.from({ length: 6 }, () => implicit(key, ORIGIN)));
    expect(statuses(responses).filter((s) => s === 200).length).toBeLessThanOrEqual(3);
    const refused = responses.find((r) => r.status === 429)!;
    expect(refused.body).toMatchObject({ error: 'slow_down' });
    expect(refused.headers['retry-after']).toBeDefined();
  });

  it('minting and the admin API draw on the same pools', async () => {
    const { store, key } = await keyOfStore(3);
    const api = adminClient(server.url, await f.token(key));
    await sleep(1100);
    expect(statuses(await Promise.all([1, 2, 3].map(() => clientCredentials(key))))).toEqual([200, 200, 200]);
    const response = await api.get(`/v2/stores/${store.id}`);
    expect(response.status).toBe(429);
  });

  it('charges no refused token request: wrong secrets and refused grants leave the pool whole', async () => {
    const { key } = await keyOfStore(3);
    const noOrigins = await f.key({ type: 'store', id: key.owner.id });
    await sleep(1100);
    for (let i = 0; i < 5; i++) expect((await clientCredentials(key, 'wrong')).status).toBe(401);
    for (let i = 0; i < 5; i++) expect((await implicit(noOrigins)).status).toBe(400);
    for (let i = 0; i < 5; i++) expect((await implicit(key, 'https://evil.example')).status).toBe(400);
    const first = await clientCredentials(key);
    expect(first.status).toBe(200);
    expect(first.headers.ratelimit).toBe('"shared";r=2;t=1');
  });
});

describe('the implicit grant is for browsers of the allowed origins', () => {
  it('refuses a key that lists no allowed origin with unauthorized_client', async () => {
    const org = await f.organization(1000);
    const key = await f.key({ type: 'organization', id: org.id });
    const response = await implicit(key);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'unauthorized_client' });
    expect((await implicit(key, ORIGIN)).status).toBe(400);
  });

  it('refuses an Origin the key does not list, and answers CORS for one it does', async () => {
    const { key } = await keyOfStore(100);
    const evil = await implicit(key, 'https://evil.example');
    expect(evil.status).toBe(400);
    expect(evil.body).toMatchObject({ error: 'invalid_request' });
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    const good = await implicit(key, ORIGIN);
    expect(good.status).toBe(200);
    expect(good.headers['access-control-allow-origin']).toBe(ORIGIN);
    // without an Origin (not a browser) the key's listing is enough
    expect((await implicit(key)).status).toBe(200);
  });
});
