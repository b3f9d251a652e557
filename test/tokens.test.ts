import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, fixtures, ownerPath, type KeyFixture } from './helpers/fixtures.ts';
import { json } from './helpers/http.ts';
import { client, oauthClient, oauthError } from './helpers/oauth-client.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

let server: TestServer;
let f: ReturnType<typeof fixtures>;
let issuer: string;

beforeAll(async () => {
  server = await startTestServer();
  f = fixtures(server.runtime, server.url);
  issuer = server.config.issuer;
});
afterAll(() => server?.close());

const introspect = async (caller: { clientId: string; secret: string }, token: string) =>
  client.tokenIntrospection(await oauthClient(issuer, caller.clientId, caller.secret), token);

async function world() {
  const org = await f.organization();
  const store = await f.store(org.id);
  const otherStore = await f.store(org.id);
  const orgKey = await f.key({ type: 'organization', id: org.id });
  const storeKey = await f.key({ type: 'store', id: store.id }, { allowedOrigins: ['https://shop.example'] });
  const otherStoreKey = await f.key({ type: 'store', id: otherStore.id });
  const otherOrg = await f.organization();
  const otherOrgKey = await f.key({ type: 'organization', id: otherOrg.id });
  return { org, store, otherStore, orgKey, storeKey, otherStoreKey, otherOrgKey };
}

describe('client_credentials', () => {
  it('issues a token with client_secret_basic through openid-client, in the documented shape', async () => {
    const { orgKey } = await world();
    const config = await oauthClient(issuer, orgKey.clientId, orgKey.secret, 'basic');
    const before = Math.floor(Date.now() / 1000);
    const tokens = await client.clientCredentialsGrant(config);
    expect(tokens).toMatchObject({
      token_type: 'bearer',
      expires_in: 3600,
      // no scope asked: all of the key's (an operator-made organization key: every admin scope)
      scope: 'keys:read keys:write members:read members:write settings:write stores:write audit:read',
      identifier: 'client_credentials',
    });
    expect(tokens.access_token).toMatch(/^[\w-]{40,}$/);
    expect(tokens.expires as number).toBeGreaterThanOrEqual(before + 3600);
    expect(tokens.expires as number).toBeLessThanOrEqual(before + 3602);
  });

  it('issues a token with client_secret_post, and through the /oauth/access_token alias', async () => {
    const { storeKey } = await world();
    const config = await oauthClient(issuer, storeKey.clientId, storeKey.secret, 'post');
    expect((await client.clientCredentialsGrant(config)).identifier).toBe('client_credentials');
    const alias = await fetch(`${server.url}/oauth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: storeKey.clientId,
        client_secret: storeKey.secret,
      }),
    });
    expect(alias.status).toBe(200);
    expect(await json(alias)).toMatchObject({
      token_type: 'Bearer',
      identifier: 'client_credentials',
      scope: 'keys:read keys:write members:read members:write settings:write audit:read',
    });
  });

  it('refuses a wrong secret and an unknown client with invalid_client', async () => {
    const { orgKey } = await world();
    const wrong = await oauthClient(issuer, orgKey.clientId, `${orgKey.secret.slice(0, -2)}xx`);
    expect(await oauthError(client.clientCredentialsGrant(wrong))).toBe('invalid_client');
    const unknown = await oauthClient(issuer, 'appkeys_nobody', orgKey.secret);
    expect(await oauthError(client.clientCredentialsGrant(unknown))).toBe('invalid_client');
  });

  it('refuses a scope the key does not have', async () => {
    const { orgKey } = await world();
    const config = await oauthClient(issuer, orgKey.clientId, orgKey.secret);
    expect(await oauthError(client.clientCredentialsGrant(config, { scope: 'storefront' }))).toBe(
      'invalid_scope',
    );
  });

  it('records last_used_at when a key mints a token', async () => {
    const { orgKey } = await world();
    await f.token(orgKey);
    let lastUsed: Date | null = null;
    for (let i = 0; i < 50 && !lastUsed; i++) {
      lastUsed = (await server.runtime.repos.applicationKeys.findById(orgKey.id))?.lastUsedAt ?? null;
      if (!lastUsed) await sleep(20);
    }
    expect(lastUsed).toBeInstanceOf(Date);
    expect(Date.now() - (lastUsed as Date).getTime()).toBeLessThan(5000);
  });
});

describe('implicit (storefront) tokens', () => {
  const implicitRequest = (key: KeyFixture, origin?: string) =>
    fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(origin && { origin }) },
      body: `grant_type=implicit&client_id=${key.clientId}`,
    });

  it('are issued for a client id alone with the storefront scope', async () => {
    const { storeKey } = await world();
    const response = await implicitRequest(storeKey);
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toMatchObject({
      token_type: 'Bearer',
      identifier: 'implicit',
      scope: 'storefront',
      expires_in: 3600,
    });
    expect(body.expires).toBeGreaterThan(Date.now() / 1000);
  });

  it("answer CORS for the key's allowed origins only", async () => {
    const { storeKey, orgKey } = await world();
    const allowed = await implicitRequest(storeKey, 'https://shop.example');
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    const denied = await implicitRequest(storeKey, 'https://evil.example');
    expect(denied.status).toBe(400);
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
    const noOrigins = await implicitRequest(orgKey, 'https://shop.example');
    expect(noOrigins.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('carry no admin permission (403 on the admin API) but can be introspected by the owner', async () => {
    const { storeKey, store } = await world();
    const token = (await json(implicitRequest(storeKey))).access_token;
    const response = await adminClient(server.url, token).get(ownerPath({ type: 'store', id: store.id }));
    expect(response.status).toBe(403);
    expect(response.body.errors[0].status).toBe(403);
    expect(await introspect(storeKey, token)).toMatchObject({
      active: true,
      scope: 'storefront',
      store_id: store.id,
    });
  });

  it('need an existing client id', async () => {
    const response = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=implicit&client_id=appkeys_unknown',
    });
    expect(response.status).toBe(401);
    expect(await json(response)).toMatchObject({ error: 'invalid_client' });
  });
});

describe('introspection', () => {
  it("shows the key's own owner an active token with the documented claims", async () => {
    const { storeKey, store } = await world();
    const token = await f.token(storeKey);
    const result = await introspect(storeKey, token);
    expect(result).toMatchObject({
      active: true,
      client_id: storeKey.clientId,
      scope: 'keys:read keys:write members:read members:write settings:write audit:read',
      token_type: 'Bearer',
      application_key_id: storeKey.id,
      store_id: store.id,
    });
    expect(result.exp! - result.iat!).toBe(3600);
    expect(result).not.toHaveProperty('organization_id');
  });

  it("lets an organization key introspect its stores' tokens, and not the other way round", async () => {
    const { orgKey, storeKey, org } = await world();
    expect(await introspect(orgKey, await f.token(storeKey))).toMatchObject({ active: true });
    expect(await introspect(storeKey, await f.token(orgKey))).toEqual({ active: false });
    expect(await introspect(orgKey, await f.token(orgKey))).toMatchObject({
      active: true,
      organization_id: org.id,
    });
  });

  it("answers inactive to another store's or another organization's key", async () => {
    const { storeKey, otherStoreKey, otherOrgKey } = await world();
    const token = await f.token(storeKey);
    expect(await introspect(otherStoreKey, token)).toEqual({ active: false });
    expect(await introspect(otherOrgKey, token)).toEqual({ active: false });
  });

  it('lets a registered resource server introspect any token', async () => {
    const { storeKey, otherOrgKey } = await world();
    const { server: rs, secret } = await server.runtime.domain.resourceServers.create(
      { kind: 'cli' },
      'catalog api',
    );
    const caller = { clientId: rs.clientId, secret };
    expect(await introspect(caller, await f.token(storeKey))).toMatchObject({
      active: true,
      application_key_id: storeKey.id,
    });
    expect(await introspect(caller, await f.token(otherOrgKey))).toMatchObject({ active: true });
    expect(await introspect(caller, 'not-a-token')).toEqual({ active: false });
  });
});

describe('revocation, deletion and rotation', () => {
  it('revokes a token (RFC 7009): inactive afterwards and refused by the admin API', async () => {
    const { orgKey, org } = await world();
    const token = await f.token(orgKey);
    await client.tokenRevocation(await oauthClient(issuer, orgKey.clientId, orgKey.secret), token);
    expect(await introspect(orgKey, token)).toEqual({ active: false });
    expect(
      (await adminClient(server.url, token).get(ownerPath({ type: 'organization', id: org.id }))).status,
    ).toBe(401);
  });

  it('makes every token of a deleted key inactive at once', async () => {
    const { orgKey, storeKey, store } = await world();
    const tokens = [await f.token(storeKey), await f.token(storeKey), await f.implicitToken(storeKey)];
    const admin = adminClient(server.url, await f.token(orgKey));
    expect(
      (await adminClient(server.url, tokens[0]!).get(ownerPath({ type: 'store', id: store.id }))).status,
    ).toBe(200);
    expect(
      (await admin.delete(`${ownerPath({ type: 'store', id: store.id })}/application-keys/${storeKey.id}`))
        .status,
    ).toBe(204);
    for (const token of tokens) expect(await introspect(orgKey, token)).toEqual({ active: false });
    const after = await adminClient(server.url, tokens[0]!).get(ownerPath({ type: 'store', id: store.id }));
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(
      await oauthError(
        client.clientCredentialsGrant(await oauthClient(issuer, storeKey.clientId, storeKey.secret)),
      ),
    ).toBe('invalid_client');
  });

  it('keeps live tokens valid after rotation while the old secret stops working', async () => {
    const { storeKey, store } = await world();
    const live = await f.token(storeKey);
    const api = adminClient(server.url, live);
    const rotated = await api.post(
      `${ownerPath({ type: 'store', id: store.id })}/application-keys/${storeKey.id}/rotate-secret`,
    );
    const newSecret = rotated.body.data.client_secret as string;
    expect((await api.get(ownerPath({ type: 'store', id: store.id }))).status).toBe(200);
    expect(await introspect({ clientId: storeKey.clientId, secret: newSecret }, live)).toMatchObject({
      active: true,
    });
    expect(
      await oauthError(
        client.clientCredentialsGrant(await oauthClient(issuer, storeKey.clientId, storeKey.secret)),
      ),
    ).toBe('invalid_client');
    expect(
      (await client.clientCredentialsGrant(await oauthClient(issuer, storeKey.clientId, newSecret)))
        .access_token,
    ).toBeTruthy();
  });
});

describe('the admin API without a valid token', () => {
  it('answers 401 with WWW-Authenticate for a missing, malformed or unknown token', async () => {
    const { org } = await world();
    const path = `${server.url}${ownerPath({ type: 'organization', id: org.id })}`;
    for (const headers of [{}, { authorization: 'Basic abc' }, { authorization: 'Bearer nope' }] as Array<
      Record<string, string>
    >) {
      const response = await fetch(path, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await json(response)).errors[0]).toMatchObject({ status: 401, title: 'Unauthorized' });
    }
  });
});

describe('secrets', () => {
  it('never appear in a log line', async () => {
    const { orgKey, storeKey, store } = await world();
    const token = await f.token(orgKey);
    const api = adminClient(server.url, token);
    const created = await api.post(`${ownerPath({ type: 'store', id: store.id })}/application-keys`, {
      data: { name: 'logged?' },
    });
    const rotated = await api.post(
      `${ownerPath({ type: 'store', id: store.id })}/application-keys/${storeKey.id}/rotate-secret`,
    );
    await introspect(orgKey, token);
    const logs = server.logs.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [
      orgKey.secret,
      storeKey.secret,
      created.body.data.client_secret,
      rotated.body.data.client_secret,
    ])
      expect(logs).not.toContain(secret);
    expect(logs).not.toContain('appkeys_sk_');
    expect(logs).not.toContain(token);
  });
});

describe('failed client authentication', () => {
  it('is slowed down per address and client id after 10 failures, with 429 and Retry-After', async () => {
    const { orgKey, storeKey } = await world();
    const attempt = (key: KeyFixture, secret: string) =>
      fetch(`${server.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: key.clientId,
          client_secret: secret,
        }),
      });
    for (let i = 0; i < 10; i++) expect((await attempt(orgKey, 'appkeys_sk_wrong')).status).toBe(401);
    const blocked = await attempt(orgKey, orgKey.secret);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // another client from the same address is not affected
    expect((await attempt(storeKey, storeKey.secret)).status).toBe(200);
  });
});
