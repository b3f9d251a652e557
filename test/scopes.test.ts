import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SCOPES, ADMIN_SCOPES_OF, type AdminScope } from '../src/domain/scopes.ts';
import type { OwnerRef } from '../src/domain/types.ts';
import { adminClient, fixtures, ownerPath, type KeyFixture } from './helpers/fixtures.ts';
import { json, type Json } from './helpers/http.ts';
import { runCli } from './helpers/run-cli.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

type Api = ReturnType<typeof adminClient>;
const cli = { kind: 'cli' } as const;

let server: TestServer;
let f: ReturnType<typeof fixtures>;
let seq = 0;

beforeAll(async () => {
  server = await startTestServer();
  f = fixtures(server.runtime, server.url);
  await server.runtime.domain.resourceServers.create(cli, 'orders api', ['orders:read', 'orders:write']);
});
afterAll(() => server?.close());

async function tokenRequest(key: KeyFixture, form: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${key.clientId}:${key.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...form }),
  });
  return { status: response.status, body: await json(response) };
}

async function introspect(caller: KeyFixture, token: string): Promise<Json> {
  const response = await fetch(`${server.url}/token/introspection`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${caller.clientId}:${caller.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token }),
  });
  return json(response);
}

const apiOf = async (key: KeyFixture, scope?: string): Promise<Api> =>
  adminClient(server.url, await f.token(key, scope));

/** A store of an organization, with a user who can be added as a member. */
async function world() {
  const org = await f.organization(100_000);
  const store = await f.store(org.id, 100_000);
  const storeRef: OwnerRef = { type: 'store', id: store.id };
  const orgRef: OwnerRef = { type: 'organization', id: org.id };
  return { org, store, storeRef, orgRef };
}
type World = Awaited<ReturnType<typeof world>>;

async function newMember(w: World) {
  const email = `m${++seq}-${Date.now()}@example.com`;
  const user = await server.runtime.domain.users.create(cli, { email, password: 'correct horse battery' });
  await server.runtime.domain.memberships.add(cli, w.storeRef, { email, role: 'store_member' });
  return { id: user.id, email };
}

/** Each admin scope with the routes it guards; `act` must succeed (2xx) for a key holding the scope. */
const guarded: Array<{
  scope: AdminScope;
  owner: 'store' | 'organization';
  route: string;
  act: (w: World, api: Api) => Promise<{ status: number }>;
}> = [
  {
    scope: 'keys:read',
    owner: 'store',
    route: 'GET /v2/stores/{id}/application-keys',
    act: (w, api) => api.get(`${ownerPath(w.storeRef)}/application-keys`),
  },
  {
    scope: 'keys:read',
    owner: 'store',
    route: 'GET /v2/application-keys (compatibility)',
    act: (_w, api) => api.get('/v2/application-keys'),
  },
  {
    scope: 'keys:read',
    owner: 'store',
    route: 'GET /v2/stores/{id}/application-keys/{keyId}',
    act: async (w, api) =>
      api.get(`${ownerPath(w.storeRef)}/application-keys/${(await f.key(w.storeRef)).id}`),
  },
  {
    scope: 'keys:read',
    owner: 'store',
    route: 'GET /v2/stores/{id}/rate-limit',
    act: (w, api) => api.get(`${ownerPath(w.storeRef)}/rate-limit`),
  },
  {
    scope: 'keys:read',
    owner: 'store',
    route: 'GET /v2/stores/{id}',
    act: (w, api) => api.get(ownerPath(w.storeRef)),
  },
  {
    scope: 'keys:write',
    owner: 'store',
    route: 'POST /v2/stores/{id}/application-keys',
    act: (w, api) => api.post(`${ownerPath(w.storeRef)}/application-keys`, { data: { name: `k${++seq}` } }),
  },
  {
    scope: 'keys:write',
    owner: 'store',
    route: 'PATCH /v2/stores/{id}/application-keys/{keyId}',
    act: async (w, api) =>
      api.patch(`${ownerPath(w.storeRef)}/application-keys/${(await f.key(w.storeRef, { scopes: [] })).id}`, {
        data: { reserved_rate_limit: 1 },
      }),
  },
  {
    scope: 'keys:write',
    owner: 'store',
    route: 'POST /v2/stores/{id}/application-keys/{keyId}/rotate-secret',
    act: async (w, api) =>
      api.post(
        `${ownerPath(w.storeRef)}/application-keys/${(await f.key(w.storeRef, { scopes: [] })).id}/rotate-secret`,
      ),
  },
  {
    scope: 'keys:write',
    owner: 'store',
    route: 'DELETE /v2/stores/{id}/application-keys/{keyId}',
    act: async (w, api) =>
      api.delete(`${ownerPath(w.storeRef)}/application-keys/${(await f.key(w.storeRef)).id}`),
  },
  {
    scope: 'members:read',
    owner: 'store',
    route: 'GET /v2/stores/{id}/members',
    act: (w, api) => api.get(`${ownerPath(w.storeRef)}/members`),
  },
  {
    scope: 'members:write',
    owner: 'store',
    route: 'POST /v2/stores/{id}/members',
    act: async (w, api) => {
      const email = `a${++seq}-${Date.now()}@example.com`;
      await server.runtime.domain.users.create(cli, { email, password: 'correct horse battery' });
      return api.post(`${ownerPath(w.storeRef)}/members`, { data: { email, role: 'store_member' } });
    },
  },
  {
    scope: 'members:write',
    owner: 'store',
    route: 'DELETE /v2/stores/{id}/members/{userId}',
    act: async (w, api) => api.delete(`${ownerPath(w.storeRef)}/members/${(await newMember(w)).id}`),
  },
  {
    scope: 'settings:write',
    owner: 'store',
    route: 'PATCH /v2/stores/{id} (name)',
    act: (w, api) => api.patch(ownerPath(w.storeRef), { data: { name: `renamed ${++seq}` } }),
  },
  {
    scope: 'settings:write',
    owner: 'organization',
    route: 'PATCH /v2/organizations/{id} (name)',
    act: (w, api) => api.patch(ownerPath(w.orgRef), { data: { name: `renamed ${++seq}` } }),
  },
  {
    scope: 'stores:write',
    owner: 'organization',
    route: 'POST /v2/organizations/{id}/stores',
    act: (w, api) =>
      api.post(`${ownerPath(w.orgRef)}/stores`, { data: { name: `s${++seq}`, rate_limit: 10 } }),
  },
  {
    scope: 'audit:read',
    owner: 'store',
    route: 'GET /v2/stores/{id}/audit-events',
    act: (w, api) => api.get(`${ownerPath(w.storeRef)}/audit-events`),
  },
  {
    scope: 'audit:read',
    owner: 'organization',
    route: 'GET /v2/organizations/{id}/audit-events',
    act: (w, api) => api.get(`${ownerPath(w.orgRef)}/audit-events`),
  },
];

describe('every admin scope guards its routes', () => {
  it('covers every admin scope', () => {
    expect(new Set(guarded.map((g) => g.scope))).toEqual(new Set(ADMIN_SCOPES));
  });

  it.each(guarded)('$scope: $route is refused without it and allowed with it', async (g) => {
    const w = await world();
    const owner = g.owner === 'store' ? w.storeRef : w.orgRef;
    const without = await f.key(owner, { scopes: ADMIN_SCOPES_OF[g.owner].filter((s) => s !== g.scope) });
    const refused = await g.act(w, await apiOf(without));
    expect(refused.status).toBe(403);
    expect((refused as { body?: Json }).body?.errors?.[0]).toMatchObject({
      code: 'insufficient_scope',
      detail: expect.stringContaining(g.scope),
    });
    const only = await f.key(owner, { scopes: [g.scope] });
    const allowed = await g.act(w, await apiOf(only));
    expect(allowed.status, JSON.stringify(allowed)).toBeGreaterThanOrEqual(200);
    expect(allowed.status).toBeLessThan(300);
  });

  it('checks the token scopes, not only the key: a token asked for keys:read cannot write', async () => {
    const w = await world();
    const key = await f.key(w.storeRef);
    const api = await apiOf(key, 'keys:read');
    expect((await api.get(`${ownerPath(w.storeRef)}/application-keys`)).status).toBe(200);
    expect(
      (await api.post(`${ownerPath(w.storeRef)}/application-keys`, { data: { name: 'nope' } })).status,
    ).toBe(403);
  });

  it('narrows live tokens at once when a key loses a scope', async () => {
    const w = await world();
    const key = await f.key(w.storeRef);
    const api = await apiOf(key);
    expect((await api.get(`${ownerPath(w.storeRef)}/members`)).status).toBe(200);
    await server.runtime.domain.applicationKeys.update(cli, w.storeRef, key.id, { scopes: ['keys:read'] });
    expect((await api.get(`${ownerPath(w.storeRef)}/members`)).status).toBe(403);
    // and new tokens follow the key at once too
    expect((await tokenRequest(key, { scope: 'members:read' })).body.error).toBe('invalid_scope');
    expect((await tokenRequest(key)).body.scope).toBe('keys:read');
  });
});

describe('the key resource', () => {
  it('takes scopes on create and update, returns them, and audits the change', async () => {
    const w = await world();
    const api = await apiOf(await f.key(w.storeRef));
    const base = `${ownerPath(w.storeRef)}/application-keys`;
    const created = await api.post(base, {
      data: { type: 'application_key', name: 'reader', scopes: ['orders:read', 'keys:read', 'keys:read'] },
    });
    expect(created.status).toBe(201);
    expect(created.body.data.scopes).toEqual(['keys:read', 'orders:read']);
    const id = created.body.data.id as string;
    expect((await api.get(`${base}/${id}`)).body.data.scopes).toEqual(['keys:read', 'orders:read']);
    const put = await api.put(`${base}/${id}`, { data: { scopes: ['audit:read', 'orders:write'] } });
    expect(put.status).toBe(200);
    expect(put.body.data.scopes).toEqual(['audit:read', 'orders:write']);
    const patched = await api.patch(`${base}/${id}`, { data: { name: 'renamed' } });
    expect(patched.body.data.scopes).toEqual(['audit:read', 'orders:write']);
    const audit = await api.get(`${ownerPath(w.storeRef)}/audit-events`);
    const updated = (audit.body.data as Json[]).find(
      (e) => e.action === 'application_key.updated' && e.target.id === id && e.changes.scopes,
    );
    expect(updated?.changes.scopes).toEqual({
      from: ['keys:read', 'orders:read'],
      to: ['audit:read', 'orders:write'],
    });
  });

  it('gives a key made without scopes all its maker holds and no resource scope', async () => {
    const w = await world();
    const storeApi = await apiOf(await f.key(w.storeRef));
    const made = await storeApi.post('/v2/application-keys', { data: { name: 'default' } });
    expect(made.body.data.scopes).toEqual([...ADMIN_SCOPES_OF.store]);
    const orgApi = await apiOf(await f.key(w.orgRef));
    const orgMade = await orgApi.post(`${ownerPath(w.orgRef)}/application-keys`, { data: { name: 'o' } });
    expect(orgMade.body.data.scopes).toEqual([...ADMIN_SCOPES]);
  });

  it.each([
    [['orders:delete'], 'orders:delete'],
    [['bogus'], 'bogus'],
    [['admin'], 'admin'],
    [['storefront'], 'storefront'],
    [['stores:write'], 'stores:write'],
  ])('answers 400 for the unknown scopes %j of a store key', async (scopes, named) => {
    const w = await world();
    const api = await apiOf(await f.key(w.storeRef));
    const response = await api.post(`${ownerPath(w.storeRef)}/application-keys`, {
      data: { name: 'x', scopes },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].detail).toContain(named);
  });

  it('answers 400 for scopes that are not strings or not scope tokens', async () => {
    const w = await world();
    const api = await apiOf(await f.key(w.storeRef));
    for (const scopes of ['keys:read', [1], ['two words'], ['']]) {
      const response = await api.post(`${ownerPath(w.storeRef)}/application-keys`, {
        data: { name: 'x', scopes },
      });
      expect(response.status, JSON.stringify(scopes)).toBe(400);
    }
  });

  it('treats a key stored before scopes existed as holding every admin scope of its owner type', async () => {
    const w = await world();
    const key = await f.key(w.storeRef, { scopes: ['keys:read'] });
    await server.db
      .db!.collection('application_keys')
      .updateOne({ _id: key.id as never }, { $unset: { scopes: '' } });
    const api = await apiOf(await f.key(w.storeRef));
    const read = await api.get(`${ownerPath(w.storeRef)}/application-keys/${key.id}`);
    expect(read.body.data.scopes).toEqual([...ADMIN_SCOPES_OF.store]);
    expect((await tokenRequest(key)).body.scope).toBe(ADMIN_SCOPES_OF.store.join(' '));
  });
});

describe('token requests and introspection', () => {
  it('grants all of the key scopes for no scope and for scope=admin, and a subset when asked', async () => {
    const w = await world();
    const key = await f.key(w.storeRef, { scopes: ['keys:read', 'audit:read', 'orders:read'] });
    for (const form of [{}, { scope: 'admin' }] as Array<Record<string, string>>) {
      const all = await tokenRequest(key, form);
      expect(all.status).toBe(200);
      expect(all.body.scope).toBe('keys:read audit:read orders:read');
      expect((await introspect(key, all.body.access_token)).scope).toBe('keys:read audit:read orders:read');
    }
    const subset = await tokenRequest(key, { scope: 'orders:read keys:read' });
    expect(subset.status).toBe(200);
    expect(subset.body.scope.split(' ').sort()).toEqual(['keys:read', 'orders:read']);
    const introspected = await introspect(key, subset.body.access_token);
    expect(introspected).toMatchObject({ active: true, application_key_id: key.id });
    expect(introspected.scope.split(' ').sort()).toEqual(['keys:read', 'orders:read']);
  });

  it.each(['keys:write', 'orders:write', 'storefront', 'openid', 'admin keys:read', 'nonsense'])(
    'answers invalid_scope for %j, which the key lacks',
    async (scope) => {
      const w = await world();
      const key = await f.key(w.storeRef, { scopes: ['keys:read', 'orders:read'] });
      const response = await tokenRequest(key, { scope });
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('invalid_scope');
    },
  );

  it('names the lacking scope, and answers invalid_client (not the key scopes) to a wrong secret', async () => {
    const w = await world();
    const key = await f.key(w.storeRef, { scopes: ['keys:read'] });
    const lacking = await tokenRequest(key, { scope: 'orders:write' });
    expect(lacking.body.error_description).toContain('orders:write');
    const wrong = await tokenRequest({ ...key, secret: 'appkeys_sk_wrong' }, { scope: 'orders:write' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
  });

  it('refuses a resource indicator other than the key own', async () => {
    const w = await world();
    const key = await f.key(w.storeRef);
    const response = await tokenRequest(key, { resource: 'https://elsewhere.example/api' });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_target');
  });

  it('gives implicit tokens storefront only, whatever the key scopes', async () => {
    const w = await world();
    const key = await f.key(w.storeRef, {
      scopes: ['keys:read', 'orders:read'],
      allowedOrigins: ['https://shop.example'],
    });
    const response = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://shop.example' },
      body: new URLSearchParams({
        grant_type: 'implicit',
        client_id: key.clientId,
        scope: 'keys:read orders:read',
      }),
    });
    const body = await json(response);
    expect(body.scope).toBe('storefront');
    expect((await introspect(key, body.access_token)).scope).toBe('storefront');
    const api = adminClient(server.url, body.access_token);
    expect((await api.get(`${ownerPath(w.storeRef)}/application-keys`)).status).toBe(403);
  });
});

describe('resource servers and the CLI', () => {
  const run = (...args: string[]) => runCli(args, server.sharedEnv);

  it('registers resource scopes with --scopes and gives keys scopes with --scopes', async () => {
    const w = await world();
    const rs = await run(
      'resource-server',
      'create',
      '--name',
      'billing',
      '--scopes',
      'invoices:read,invoices:pay',
    );
    expect(rs.code, rs.stderr).toBe(0);
    expect(JSON.parse(rs.stdout).data.scopes).toEqual(['invoices:read', 'invoices:pay']);
    const key = await run(
      'key',
      'create',
      '--store',
      w.store.id,
      '--name',
      'payer',
      '--scopes',
      'keys:read,invoices:pay',
    );
    expect(key.code, key.stderr).toBe(0);
    const created = JSON.parse(key.stdout).data;
    expect(created.scopes).toEqual(['keys:read', 'invoices:pay']);
    const token = await tokenRequest(
      { ...created, clientId: created.client_id, secret: created.client_secret },
      {
        scope: 'invoices:pay',
      },
    );
    expect(token.body.scope).toBe('invoices:pay');
    const unknown = await run(
      'key',
      'create',
      '--store',
      w.store.id,
      '--name',
      'x',
      '--scopes',
      'invoices:void',
    );
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stderr).errors[0]).toMatchObject({ status: 400 });
  });

  it.each([['Orders:Read'], ['orders'], ['keys:read'], ['keys:delete'], ['admin'], ['a:b c']])(
    'refuses %j as a resource scope (usage error)',
    async (scopes) => {
      const result = await run('resource-server', 'create', '--name', 'bad', '--scopes', scopes);
      expect(result.code).toBe(2);
    },
  );

  it('refuses a resource server registering appkeys scopes through the domain too', async () => {
    await expect(
      server.runtime.domain.resourceServers.create(cli, 'sneaky', ['members:write']),
    ).rejects.toMatchObject({
      status: 400,
    });
  });
});
