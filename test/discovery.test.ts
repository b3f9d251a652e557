import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json } from './helpers/http.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe('discovery and keys', () => {
  it('serves the OpenID and OAuth discovery documents with the same issuer and endpoints', async () => {
    const openid = await json(fetch(`${server.url}/.well-known/openid-configuration`));
    const oauth = await json(fetch(`${server.url}/.well-known/oauth-authorization-server`));
    expect(openid.issuer).toBe(server.config.issuer);
    expect(oauth.issuer).toBe(server.config.issuer);
    expect(oauth.token_endpoint).toBe(`${server.config.issuer}/token`);
    expect(oauth.jwks_uri).toBe(`${server.config.issuer}/jwks`);
    expect(oauth.introspection_endpoint).toBe(`${server.config.issuer}/token/introspection`);
    expect(oauth.revocation_endpoint).toBe(`${server.config.issuer}/token/revocation`);
    expect(oauth.grant_types_supported).toContain('client_credentials');
  });

  it('publishes the ES256 signing key in /jwks without its private part', async () => {
    const response = await fetch(`${server.url}/jwks`);
    expect(response.status).toBe(200);
    const { keys } = (await response.json()) as { keys: Array<Record<string, string>> };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(keys[0]?.kid).toBeTruthy();
    expect(keys[0]).not.toHaveProperty('d');
  });

  it('answers the /oauth/access_token alias with the token endpoint', async () => {
    const response = await fetch(`${server.url}/oauth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=nobody&client_secret=wrong',
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('keeps the developer login pages off', async () => {
    const response = await fetch(`${server.url}/auth?client_id=x&response_type=code&scope=openid`, {
      redirect: 'manual',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
  });
});

describe('health', () => {
  it('reports the process alive and the database reachable', async () => {
    expect(await json(fetch(`${server.url}/healthz`))).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok' });
  });

  it('asks for a token on every admin path, known or not, in the errors shape', async () => {
    const response = await fetch(`${server.url}/v2/no-such-thing`);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(await response.json()).toEqual({
      errors: [
        {
          status: 401,
          title: 'Unauthorized',
          detail: 'Send an access token as Authorization: Bearer <token>.',
          code: 'unauthorized',
        },
      ],
    });
  });

  it('gives every response a request id and echoes a valid one', async () => {
    const response = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(response.headers.get('x-request-id')).toBe('abc-123');
    const fresh = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
