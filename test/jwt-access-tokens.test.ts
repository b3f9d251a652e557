import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type JWK,
  type JWTPayload,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNING_KEYS_FILE } from '../src/config/signing-keys.ts';
import { KEY_RESOURCE } from '../src/oauth/token-scopes.ts';
import { adminClient, fixtures, ownerPath, type KeyFixture } from './helpers/fixtures.ts';
import { json } from './helpers/http.ts';
import { runCli } from './helpers/run-cli.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

let server: TestServer;
let f: ReturnType<typeof fixtures>;

beforeAll(async () => {
  // hostile-tenant cases send many refused requests
  server = await startTestServer({}, { refusals: { points: 1_000_000, seconds: 60 } });
  f = fixtures(server.runtime, server.url);
});
afterAll(() => server?.close());

const basic = (key: { clientId: string; secret: string }) =>
  `Basic ${Buffer.from(`${key.clientId}:${key.secret}`).toString('base64')}`;

const tokenRequest = (key: KeyFixture, scope?: string) =>
  fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { authorization: basic(key), 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials${scope === undefined ? '' : `&scope=${encodeURIComponent(scope)}`}`,
  });

const introspect = async (caller: { clientId: string; secret: string }, token: string) => {
  const response = await fetch(`${server.url}/token/introspection`, {
    method: 'POST',
    headers: { authorization: basic(caller), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
  });
  expect(response.status).toBe(200);
  return json(response);
};

const storedTokens = () => server.db.db!.collection('oidc_client_credentials').countDocuments();

/** The server's own private signing key, read from its keys directory: to forge tokens it would accept but for one claim. */
async function serverSigningKey() {
  const file = path.join(server.config.keysDir, SIGNING_KEYS_FILE);
  const jwk = (JSON.parse(await readFile(file, 'utf8')) as { keys: JWK[] }).keys[0]!;
  return { key: await importJWK(jwk, 'ES256'), kid: jwk.kid };
}

async function storeWorld(tokenFormat: 'opaque' | 'jwt' = 'jwt') {
  const org = await f.organization();
  const store = await f.store(org.id);
  const key = await f.key({ type: 'store', id: store.id }, { tokenFormat });
  return { org, store, key, owner: { type: 'store' as const, id: store.id } };
}

describe('minting', () => {
  it('gives a jwt key RFC 9068 tokens, verifiable offline with /jwks, in the usual response shape', async () => {
    const { key, store } = await storeWorld();
    const before = Math.floor(Date.now() / 1000);
    const response = await tokenRequest(key);
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
      identifier: 'client_credentials',
      scope: 'keys:read keys:write members:read members:write settings:write audit:read',
    });
    expect(decodeProtectedHeader(body.access_token)).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });

    // what a resource server does: fetch /jwks once, then verify every token without calling us
    const jwks = await json(fetch(`${server.url}/jwks`));
    const { payload } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), {
      issuer: server.config.issuer,
      audience: KEY_RESOURCE,
      typ: 'at+jwt',
    });
    expect(payload).toEqual({
      iss: server.config.issuer,
      sub: key.clientId,
      aud: KEY_RESOURCE,
      client_id: key.clientId,
      scope: body.scope,
      jti: expect.any(String),
      iat: expect.any(Number),
      exp: (payload.iat ?? 0) + 3600,
      application_key_id: key.id,
      store_id: store.id,
    });
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(body.expires).toBe(payload.exp);
  });

  it('writes no token document for a jwt key, one per token for an opaque key', async () => {
    const jwt = (await storeWorld('jwt')).key;
    const opaque = (await storeWorld('opaque')).key;
    const start = await storedTokens();
    for (let i = 0; i < 5; i++) expect((await tokenRequest(jwt)).status).toBe(200);
    expect(await storedTokens()).toBe(start);
    const opaqueToken = (await json(tokenRequest(opaque))).access_token as string;
    expect(opaqueToken).toMatch(/^[\w-]{40,}$/);
    expect(await storedTokens()).toBe(start + 1);
  });

  it('narrows scopes as for opaque tokens, and refuses a scope the key lacks', async () => {
    const { key } = await storeWorld();
    const narrow = await json(tokenRequest(key, 'keys:read'));
    expect(decodeJwt(narrow.access_token).scope).toBe('keys:read');
    const refused = await tokenRequest(key, 'keys:read stores:write');
    expect(refused.status).toBe(400);
    expect((await json(refused)).error).toBe('invalid_scope');
  });

  it('charges minting to the key: RateLimit headers, and 429 slow_down once spent', async () => {
    const org = await f.organization(1);
    const store = await f.store(org.id, 1);
    const key = await f.key({ type: 'store', id: store.id }, { tokenFormat: 'jwt' });
    // the owner admits 1 a second (with a one-second burst): twenty at once cannot all pass
    const responses = await Promise.all(Array.from({ length: 20 }, () => tokenRequest(key)));
    const statuses = responses.map((r) => r.status);
    expect(statuses).toContain(200);
    expect(statuses).toContain(429);
    expect(responses[0]?.headers.get('ratelimit-policy')).toBe('"shared";q=1;w=1');
    const last = responses.find((r) => r.status === 429);
    expect(last?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await json(last!)).error).toBe('slow_down');
  });

  it('gives implicit (storefront) tokens of a jwt key as JWTs too, introspectable and refused by /v2', async () => {
    const org = await f.organization();
    const store = await f.store(org.id);
    const key = await f.key(
      { type: 'store', id: store.id },
      { tokenFormat: 'jwt', allowedOrigins: ['https://shop.example'] },
    );
    const token = await f.implicitToken(key);
    expect(decodeProtectedHeader(token).typ).toBe('at+jwt');
    expect(decodeJwt(token)).toMatchObject({
      scope: 'storefront',
      aud: KEY_RESOURCE,
      client_id: key.clientId,
    });
    expect(await introspect(key, token)).toMatchObject({ active: true, scope: 'storefront' });
    expect((await adminClient(server.url, token).get(ownerPath(key.owner))).status).toBe(403);
  });
});

describe('introspection of a JWT', () => {
  it('answers with the claims an opaque token of the same owner gets (plus its jti)', async () => {
    const { key, store } = await storeWorld('jwt');
    const opaqueKey = await f.key({ type: 'store', id: store.id });
    const jwt = await f.token(key, 'keys:read');
    const opaque = await f.token(opaqueKey, 'keys:read');
    const jwtAnswer = await introspect(key, jwt);
    const opaqueAnswer = await introspect(key, opaque);
    expect(jwtAnswer).toEqual({
      active: true,
      client_id: key.clientId,
      scope: 'keys:read',
      exp: decodeJwt(jwt).exp,
      iat: decodeJwt(jwt).iat,
      token_type: 'Bearer',
      application_key_id: key.id,
      store_id: store.id,
      iss: server.config.issuer,
      aud: KEY_RESOURCE,
      jti: decodeJwt(jwt).jti,
    });
    const { jti: _jti, ...withoutJti } = jwtAnswer;
    expect(Object.keys(withoutJti).sort()).toEqual(Object.keys(opaqueAnswer).sort());
  });

  it('follows the usual reach: other stores and organizations see active: false, resource servers see it', async () => {
    const { key, org } = await storeWorld();
    const token = await f.token(key);
    const otherStoreKey = await f.key({ type: 'store', id: (await f.store(org.id)).id });
    const otherOrgKey = await f.key({ type: 'organization', id: (await f.organization()).id });
    const orgKey = await f.key({ type: 'organization', id: org.id });
    expect(await introspect(otherStoreKey, token)).toEqual({ active: false });
    expect(await introspect(otherOrgKey, token)).toEqual({ active: false });
    expect(await introspect(orgKey, token)).toMatchObject({ active: true, application_key_id: key.id });
    const { server: rs, secret } = await server.runtime.domain.resourceServers.create(
      { kind: 'cli' },
      `jwt-rs-${Date.now()}`,
    );
    expect(await introspect({ clientId: rs.clientId, secret }, token)).toMatchObject({ active: true });
  });

  it('answers active: false once the key is deleted, and /v2 refuses the token', async () => {
    const { key, owner } = await storeWorld();
    const token = await f.token(key);
    const manager = await f.key(owner);
    expect((await adminClient(server.url, token).get(ownerPath(owner))).status).toBe(200);
    const deleted = await adminClient(server.url, await f.token(manager)).delete(
      `${ownerPath(owner)}/application-keys/${key.id}`,
    );
    expect(deleted.status).toBe(204);
    expect(await introspect(manager, token)).toEqual({ active: false });
    const refused = await adminClient(server.url, token).get(ownerPath(owner));
    expect(refused.status).toBe(401);
    expect(refused.body.errors[0].status).toBe(401);
  });

  it('answers active: false for a tampered token or one signed by another key', async () => {
    const { key, owner } = await storeWorld();
    const token = await f.token(key, 'keys:read');
    const [header, , signature] = token.split('.');
    const widened = Buffer.from(
      JSON.stringify({ ...decodeJwt(token), scope: 'keys:read keys:write' }),
    ).toString('base64url');
    const tampered = `${header}.${widened}.${signature}`;
    expect(await introspect(key, tampered)).toEqual({ active: false });
    expect((await adminClient(server.url, tampered).get(ownerPath(owner))).status).toBe(401);

    const { privateKey } = await generateKeyPair('ES256');
    const foreign = await new SignJWT(decodeJwt(token))
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: decodeProtectedHeader(token).kid })
      .sign(privateKey);
    expect(await introspect(key, foreign)).toEqual({ active: false });
    expect((await adminClient(server.url, foreign).get(ownerPath(owner))).status).toBe(401);
  });

  it('checks expiry, issuer and type: forged with the server key, only the genuine claims pass', async () => {
    const { key, owner } = await storeWorld();
    const genuine = decodeJwt(await f.token(key));
    const { key: signingKey, kid } = await serverSigningKey();
    const forge = (claims: JWTPayload, typ = 'at+jwt') =>
      new SignJWT({ ...genuine, ...claims }).setProtectedHeader({ alg: 'ES256', typ, kid }).sign(signingKey);
    const now = Math.floor(Date.now() / 1000);

    // the control: the same claims re-signed are accepted, so each refusal below is the one claim
    const control = await forge({});
    expect(await introspect(key, control)).toMatchObject({ active: true });
    expect((await adminClient(server.url, control).get(ownerPath(owner))).status).toBe(200);

    const expired = await forge({ iat: now - 120, exp: now - 60 });
    const otherIssuer = await forge({ iss: 'https://appkeys.example' });
    const otherAudience = await forge({ aud: 'https://orders.example' });
    const idTokenType = await forge({}, 'JWT');
    for (const token of [expired, otherIssuer, otherAudience, idTokenType]) {
      expect(await introspect(key, token)).toEqual({ active: false });
      expect((await adminClient(server.url, token).get(ownerPath(owner))).status).toBe(401);
    }
  });

  it('cannot be revoked: revocation answers unsupported_token_type and the token stays active', async () => {
    const { key } = await storeWorld();
    const token = await f.token(key);
    const response = await fetch(`${server.url}/token/revocation`, {
      method: 'POST',
      headers: { authorization: basic(key), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
    expect(response.status).toBe(400);
    expect((await json(response)).error).toBe('unsupported_token_type');
    expect(await introspect(key, token)).toMatchObject({ active: true });
  });
});

describe('the admin API with a JWT', () => {
  it('accepts it like an opaque token, with its scopes enforced', async () => {
    const { key, owner } = await storeWorld();
    const reader = adminClient(server.url, await f.token(key, 'keys:read'));
    expect((await reader.get(`${ownerPath(owner)}/application-keys`)).status).toBe(200);
    const refused = await reader.post(`${ownerPath(owner)}/application-keys`, {
      data: { type: 'application_key', name: 'made-by-a-reader' },
    });
    expect(refused.status).toBe(403);
    const writer = adminClient(server.url, await f.token(key));
    expect(
      (await writer.post(`${ownerPath(owner)}/application-keys`, { data: { name: 'made-by-a-writer' } }))
        .status,
    ).toBe(201);
  });

  it("refuses store A's JWT on store B (hostile tenant)", async () => {
    const a = await storeWorld();
    const b = await storeWorld();
    const bKey = await f.key(b.owner);
    const hostile = adminClient(server.url, await f.token(a.key));
    expect((await hostile.get(ownerPath(b.owner))).status).toBe(404);
    expect((await hostile.get(`${ownerPath(b.owner)}/application-keys`)).status).toBe(404);
    expect((await hostile.delete(`${ownerPath(b.owner)}/application-keys/${bKey.id}`)).status).toBe(404);
    expect(
      (
        await hostile.patch(`${ownerPath(b.owner)}/application-keys/${bKey.id}`, {
          data: { token_format: 'jwt' },
        })
      ).status,
    ).toBe(404);
    // nor through the compatibility paths: they act on the caller's own owner
    expect((await hostile.get(`/v2/application-keys/${bKey.id}`)).status).toBe(404);
    expect(await introspect(bKey, await f.token(a.key))).toEqual({ active: false });
  });
});

describe('token_format on the key resource', () => {
  it('defaults to opaque, is shown, can be set on create and changed on update for new tokens only', async () => {
    const { key: manager, owner } = await storeWorld('opaque');
    const api = adminClient(server.url, await f.token(manager));
    const keys = `${ownerPath(owner)}/application-keys`;
    const plain = await api.post(keys, { data: { name: 'plain' } });
    expect(plain.body.data.token_format).toBe('opaque');
    const created = await api.post(keys, { data: { name: 'signed', token_format: 'jwt' } });
    expect(created.status).toBe(201);
    expect(created.body.data.token_format).toBe('jwt');
    const signed: KeyFixture = {
      id: created.body.data.id,
      clientId: created.body.data.client_id,
      secret: created.body.data.client_secret,
      owner,
    };
    expect((await api.get(`${keys}/${signed.id}`)).body.data.token_format).toBe('jwt');
    const before = await f.token(signed);
    expect(decodeProtectedHeader(before).typ).toBe('at+jwt');

    const changed = await api.patch(`${keys}/${signed.id}`, { data: { token_format: 'opaque' } });
    expect(changed.status).toBe(200);
    expect(changed.body.data.token_format).toBe('opaque');
    const after = await f.token(signed);
    expect(after).toMatch(/^[\w-]{40,}$/);
    // the JWT minted before the change still works until it expires
    expect(await introspect(signed, before)).toMatchObject({ active: true });
    expect((await adminClient(server.url, before).get(ownerPath(owner))).status).toBe(200);

    const events = await api.get(`${ownerPath(owner)}/audit-events`);
    expect(events.body.data[0]).toMatchObject({
      action: 'application_key.updated',
      changes: { token_format: { from: 'jwt', to: 'opaque' } },
    });
  });

  it('refuses an unknown format with 400, and a token without keys:write with 403', async () => {
    const { key, owner } = await storeWorld('opaque');
    const keys = `${ownerPath(owner)}/application-keys`;
    const api = adminClient(server.url, await f.token(key));
    const bad = await api.post(keys, { data: { name: 'odd', token_format: 'paseto' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].detail).toMatch(/token_format/);
    const reader = adminClient(server.url, await f.token(key, 'keys:read'));
    expect((await reader.patch(`${keys}/${key.id}`, { data: { token_format: 'jwt' } })).status).toBe(403);
  });

  it('is set by the CLI with --token-format', async () => {
    const org = await f.organization();
    const env = server.sharedEnv;
    const made = await runCli(
      ['key', 'create', '--org', org.id, '--name', 'cli-jwt', '--token-format', 'jwt'],
      env,
    );
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout).data.token_format).toBe('jwt');
    const wrong = await runCli(
      ['key', 'create', '--org', org.id, '--name', 'cli-odd', '--token-format', 'paseto'],
      env,
    );
    expect(wrong.code).not.toBe(0);
  });
});
