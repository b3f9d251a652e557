import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures, type KeyFixture } from '../helpers/fixtures.ts';
import { basic, form, rawRequest } from '../helpers/raw-request.ts';
import { expectNoErrorLogs } from '../helpers/no-error-logs.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * A path is one path whatever its spelling: every middleware that looks at it (the failed client
 * authentication throttle, the token-request rewrite, authentication, the limiter) sees what
 * oidc-provider and the admin router serve, so case and a trailing slash cannot route around them,
 * and a percent-encoded spelling of a fixed segment is served by nobody (404).
 */
let server: TestServer;
let f: ReturnType<typeof fixtures>;
let address = 10;
/** A fresh loopback source address, so each case has its own per-address throttle counters. */
const nextAddress = () => `127.0.0.${++address}`;

beforeAll(async () => {
  server = await startTestServer();
  f = fixtures(server.runtime, server.url);
});
afterAll(() => server?.close());
expectNoErrorLogs(() => server.logs);

/** Spellings served as the canonical path (case, trailing slashes). */
const servedSpellings = (path: string) => [
  path.toUpperCase(),
  `${path}/`,
  path.replace(/(^|\/)(\w)/g, (_, slash: string, c: string) => slash + c.toUpperCase()),
  `${path.toUpperCase()}/`,
  `${path}//`,
];
/** A spelling nobody serves: the first letter of a fixed segment percent-encoded. */
const encoded = (path: string) =>
  path.replace(/\/(\w)/, (_, c: string) => `/%${c.charCodeAt(0).toString(16)}`);

async function key(): Promise<KeyFixture> {
  const org = await f.organization(1000);
  return f.key({ type: 'organization', id: org.id });
}

describe('failed client authentication is throttled on every spelling of the authenticated endpoints', () => {
  const endpoints = ['/token', '/oauth/access_token', '/token/introspection', '/token/revocation'];
  const failures = (path: string) =>
    path.includes('introspection') || path.includes('revocation')
      ? form({ token: 'x' })
      : form({ grant_type: 'client_credentials' });

  for (const endpoint of endpoints)
    for (const spelling of servedSpellings(endpoint))
      it(`POST ${spelling}: failures count, and past 10 the address gets 429 there and at ${endpoint}`, async () => {
        const k = await key();
        const from = nextAddress();
        const { body, ...headers } = failures(spelling);
        const attempt = (path: string) =>
          rawRequest(server.url, path, {
            method: 'POST',
            from,
            headers: { ...headers, authorization: basic(k.clientId, 'wrong') },
            body,
          });
        for (let i = 0; i < 10; i++) {
          const response = await attempt(spelling);
          expect(response.status).toBe(401);
          expect(response.body).toMatchObject({ error: 'invalid_client' });
        }
        for (const path of [spelling, endpoint]) {
          const blocked = await attempt(path);
          expect(blocked.status).toBe(429);
          expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
          expect(blocked.body).toMatchObject({ error: expect.any(String) });
        }
      });

  for (const endpoint of endpoints)
    it(`POST ${encoded(endpoint)} is served by nobody: 404`, async () => {
      const k = await key();
      const { body, ...headers } = failures(endpoint);
      const response = await rawRequest(server.url, encoded(endpoint), {
        method: 'POST',
        from: nextAddress(),
        headers: { ...headers, authorization: basic(k.clientId, k.secret) },
        body,
      });
      expect(response.status).toBe(404);
    });
});

describe('the token-request rewrite sees every spelling of the token endpoint', () => {
  for (const spelling of [...servedSpellings('/token'), ...servedSpellings('/oauth/access_token')])
    it(`POST ${spelling} mints client_credentials and implicit tokens in the documented shape`, async () => {
      const org = await f.organization(1000);
      const k = await f.key(
        { type: 'organization', id: org.id },
        { allowedOrigins: ['https://shop.example'] },
      );
      const { body, ...headers } = form({ grant_type: 'client_credentials' });
      const confidential = await rawRequest(server.url, spelling, {
        method: 'POST',
        headers: { ...headers, authorization: basic(k.clientId, k.secret) },
        body,
      });
      expect(confidential.status).toBe(200);
      expect(confidential.body).toMatchObject({ identifier: 'client_credentials', token_type: 'Bearer' });
      const implicit = form({ grant_type: 'implicit', client_id: k.clientId });
      const browser = await rawRequest(server.url, spelling, {
        method: 'POST',
        headers: { 'content-type': implicit['content-type'], origin: 'https://shop.example' },
        body: implicit.body,
      });
      expect(browser.status).toBe(200);
      expect(browser.body).toMatchObject({ identifier: 'implicit', scope: 'storefront' });
    });
});

describe('the admin API answers every spelling of its paths as the canonical one', () => {
  async function storeWithToken() {
    const org = await f.organization(1000);
    const store = await f.store(org.id, 50);
    const k = await f.key({ type: 'store', id: store.id });
    return { store, token: await f.token(k) };
  }

  it('serves case and trailing-slash variants with authentication and the limiter, never 500', async () => {
    const { store, token } = await storeWithToken();
    const canonical = `/v2/stores/${store.id}/rate-limit`;
    const spellings = [
      `/V2/stores/${store.id}/rate-limit`,
      `/v2/Stores/${store.id}/Rate-Limit`,
      `/V2/STORES/${store.id}/RATE-LIMIT/`,
      `${canonical}/`,
    ];
    const expected = await rawRequest(server.url, canonical, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(expected.status).toBe(200);
    for (const spelling of spellings) {
      const response = await rawRequest(server.url, spelling, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status, spelling).toBe(200);
      expect(response.body.data.rate_limit).toBe(50);
      expect(response.headers.ratelimit).toMatch(/^"shared";r=\d+;t=1$/);
      const anonymous = await rawRequest(server.url, spelling);
      expect(anonymous.status, spelling).toBe(401);
      expect(anonymous.body.errors[0]).toMatchObject({ status: 401, code: 'unauthorized' });
    }
  });

  it('creates a key through an oddly spelled owner path, charged to the caller like the canonical one', async () => {
    const { store, token } = await storeWithToken();
    const response = await rawRequest(server.url, `/V2/Stores/${store.id}/Application-Keys/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ data: { type: 'application_key', name: 'odd spelling' } }),
    });
    expect(response.status).toBe(201);
    expect(response.body.data.owner).toEqual({ type: 'store', id: store.id });
    expect(response.headers.ratelimit).toMatch(/^"shared";r=\d+;t=1$/);
  });

  it('answers a percent-encoded fixed segment with the JSON 404 (nobody serves it)', async () => {
    const { store, token } = await storeWithToken();
    for (const path of [
      `/v2/%73tores/${store.id}/rate-limit`,
      `/v2/stores/${store.id}/rate%2Dlimit`,
      `/%762/stores/${store.id}/rate-limit`,
    ]) {
      const response = await rawRequest(server.url, path, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status, path).toBe(404);
    }
  });

  it('decodes a percent-encoded id like the plain one', async () => {
    const { store, token } = await storeWithToken();
    const encodedId = [...store.id].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('');
    const response = await rawRequest(server.url, `/v2/stores/${encodedId}/rate-limit`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(response.body.data.rate_limit).toBe(50);
  });
});
