/**
 * DESIGN.md section 5 from an attacker's seat: a member trusted with the store's keys (and keys
 * with few scopes) try every sequence of calls that could turn that trust into more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SCOPES_OF } from '../../src/domain/scopes.ts';
import { adminClient, fixtures, type KeyFixture } from '../helpers/fixtures.ts';
import { json, type Json } from '../helpers/http.ts';
import { signIn } from '../helpers/sign-in.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

type Api = ReturnType<typeof adminClient>;
const cli = { kind: 'cli' } as const;
const PASSWORD = 'correct horse battery';

let server: TestServer;
let f: ReturnType<typeof fixtures>;
let seq = 0;

beforeAll(async () => {
  server = await startTestServer();
  f = fixtures(server.runtime, server.url);
  await server.runtime.domain.resourceServers.create(cli, 'orders api', ['orders:read', 'orders:write']);
});
afterAll(() => server?.close());

async function person() {
  const email = `e${++seq}-${Date.now()}@example.com`;
  const user = await server.runtime.domain.users.create(cli, { email, password: PASSWORD });
  return { id: user.id, email };
}
const apiOfPerson = async (email: string) =>
  adminClient(server.url, (await signIn(server.config.issuer, email, PASSWORD)).access_token);

/** The key in a create or rotate response, as credentials. */
const credentials = (data: Json): KeyFixture => ({
  id: data.id,
  clientId: data.client_id,
  secret: data.client_secret,
  owner: data.owner,
});

async function tokenResponse(key: KeyFixture, scope?: string) {
  const response = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${key.clientId}:${key.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope && { scope }) }),
  });
  return { status: response.status, body: await json(response) };
}

/** A store with an owner, an admin, a delegate (member + manage_application_keys) and a bystander. */
async function world() {
  const org = await f.organization(100_000);
  const store = await f.store(org.id, 100_000);
  const otherStore = await f.store(org.id, 100_000);
  const ref = { type: 'store', id: store.id } as const;
  const people = {
    owner: await person(),
    admin: await person(),
    delegate: await person(),
    bystander: await person(),
  };
  const { memberships } = server.runtime.domain;
  await memberships.add(cli, ref, { email: people.owner.email, role: 'store_owner' });
  await memberships.add(cli, ref, { email: people.admin.email, role: 'store_admin' });
  await memberships.add(cli, ref, { email: people.delegate.email, role: 'store_member' });
  await memberships.add(cli, ref, { email: people.bystander.email, role: 'store_member' });
  await memberships.setPermissions(cli, ref, people.delegate.id, true);
  const owner = await apiOfPerson(people.owner.email);
  const delegate = await apiOfPerson(people.delegate.email);
  const admin = await apiOfPerson(people.admin.email);
  const base = `/v2/stores/${store.id}`;
  const adminKey = await admin.post(`${base}/application-keys`, { data: { name: 'admin-made' } });
  expect(adminKey.body.data.scopes).toEqual([...ADMIN_SCOPES_OF.store]);
  return {
    org,
    store,
    otherStore,
    people,
    owner,
    delegate,
    admin,
    base,
    adminKey: adminKey.body.data as Json,
  };
}

/** Everything outside keys:read keys:write a token might try on the store; each must answer 403. */
function forbiddenMoves(w: Awaited<ReturnType<typeof world>>, api: Api) {
  return {
    'add a member': () =>
      api.post(`${w.base}/members`, { data: { email: w.people.bystander.email, role: 'store_admin' } }),
    'remove the admin': () => api.delete(`${w.base}/members/${w.people.admin.id}`),
    'remove the owner': () => api.delete(`${w.base}/members/${w.people.owner.id}`),
    'read members': () => api.get(`${w.base}/members`),
    'read the audit trail': () => api.get(`${w.base}/audit-events`),
    'turn off the 2FA requirement': () =>
      api.patch(w.base, { data: { require_2fa_for_key_managers: false } }),
    'rename the store': () => api.patch(w.base, { data: { name: 'pwned' } }),
    'grant itself more': () =>
      api.put(`${w.base}/members/${w.people.bystander.id}/permissions`, {
        data: { manage_application_keys: true },
      }),
    'give a key members:write': () =>
      api.post(`${w.base}/application-keys`, { data: { name: `esc${++seq}`, scopes: ['members:write'] } }),
    'widen the admin key': () =>
      api.patch(`${w.base}/application-keys/${w.adminKey.id}`, { data: { name: 'mine now' } }),
    'rotate the admin key': () => api.post(`${w.base}/application-keys/${w.adminKey.id}/rotate-secret`),
  };
}

describe('a delegate (store member with manage_application_keys)', () => {
  it('gets keys:read keys:write by default and may add any registered resource scope', async () => {
    const w = await world();
    const made = await w.delegate.post(`${w.base}/application-keys`, { data: { name: 'd1' } });
    expect(made.status).toBe(201);
    expect(made.body.data.scopes).toEqual(['keys:read', 'keys:write']);
    const withResource = await w.delegate.post(`${w.base}/application-keys`, {
      data: { name: 'd2', scopes: ['keys:read', 'orders:write'] },
    });
    expect(withResource.status).toBe(201);
    expect(withResource.body.data.scopes).toEqual(['keys:read', 'orders:write']);
    // what it holds, as /v2/me shows it (and as the store admin's shows theirs)
    const me = await w.delegate.get('/v2/me');
    expect(me.body.data.memberships).toEqual([
      expect.objectContaining({
        owner: { type: 'store', id: w.store.id },
        scopes: ['keys:read', 'keys:write'],
      }),
    ]);
    const adminMe = await w.admin.get('/v2/me');
    expect(adminMe.body.data.memberships[0].scopes).toEqual([...ADMIN_SCOPES_OF.store]);
  });

  it.each(ADMIN_SCOPES_OF.store.filter((scope) => !scope.startsWith('keys:')))(
    'cannot create a key with %s, and the 403 names it',
    async (scope) => {
      const w = await world();
      const response = await w.delegate.post(`${w.base}/application-keys`, {
        data: { name: 'greedy', scopes: ['keys:read', scope] },
      });
      expect(response.status).toBe(403);
      expect(response.body.errors[0].detail).toContain(scope);
    },
  );

  it('cannot widen its own key, nor update, rotate or widen a key made by an admin, but may delete it', async () => {
    const w = await world();
    const mine = await w.delegate.post(`${w.base}/application-keys`, { data: { name: 'mine' } });
    const widen = await w.delegate.put(`${w.base}/application-keys/${mine.body.data.id}`, {
      data: { scopes: ['keys:read', 'keys:write', 'audit:read'] },
    });
    expect(widen.status).toBe(403);
    expect(widen.body.errors[0].detail).toContain('audit:read');
    // its own key, within what it holds, it may change
    const narrowed = await w.delegate.patch(`${w.base}/application-keys/${mine.body.data.id}`, {
      data: { scopes: ['keys:read', 'orders:read'] },
    });
    expect(narrowed.status).toBe(200);

    const adminKeyPath = `${w.base}/application-keys/${w.adminKey.id}`;
    for (const response of [
      await w.delegate.patch(adminKeyPath, { data: { reserved_rate_limit: 1 } }),
      await w.delegate.patch(adminKeyPath, { data: { scopes: ['keys:read'] } }),
      await w.delegate.post(`${adminKeyPath}/rotate-secret`),
    ]) {
      expect(response.status).toBe(403);
      expect(response.body.errors[0].detail).toMatch(/members:read members:write settings:write audit:read/);
    }
    // the admin key still works with its old secret: nothing was rotated
    expect(
      (await tokenResponse(credentials({ ...w.adminKey, owner: { type: 'store', id: w.store.id } }))).status,
    ).toBe(200);
    expect((await w.delegate.delete(adminKeyPath)).status).toBe(204);
  });

  it('cannot reach anything beyond keys:read keys:write through any key it makes', async () => {
    const w = await world();
    // directly, as itself
    for (const [move, act] of Object.entries(forbiddenMoves(w, w.delegate)))
      expect((await act()).status, `the delegate tried to ${move}`).toBe(403);

    // through a key it makes, and a key that key makes, with every token it can mint
    const first = await w.delegate.post(`${w.base}/application-keys`, { data: { name: 'hop1' } });
    const firstKey = credentials(first.body.data);
    for (const scope of [
      'members:read',
      'members:write',
      'settings:write',
      'audit:read',
      'admin audit:read',
    ]) {
      const denied = await tokenResponse(firstKey, scope);
      expect(denied.status, scope).toBe(400);
      expect(denied.body.error).toBe('invalid_scope');
    }
    const minted = await tokenResponse(firstKey, 'admin');
    expect(minted.body.scope).toBe('keys:read keys:write');
    const keyApi = adminClient(server.url, minted.body.access_token);
    for (const [move, act] of Object.entries(forbiddenMoves(w, keyApi)))
      expect((await act()).status, `the delegate's key tried to ${move}`).toBe(403);

    const second = await keyApi.post('/v2/application-keys', { data: { name: 'hop2' } });
    expect(second.status).toBe(201);
    expect(second.body.data.scopes).toEqual(['keys:read', 'keys:write']);
    const secondApi = adminClient(
      server.url,
      (await tokenResponse(credentials(second.body.data))).body.access_token,
    );
    for (const [move, act] of Object.entries(forbiddenMoves(w, secondApi)))
      expect((await act()).status, `the second-hop key tried to ${move}`).toBe(403);

    // nor on another store of the organization
    expect((await keyApi.get(`/v2/stores/${w.otherStore.id}/application-keys`)).status).toBe(404);
    // and the store's membership is as it was
    const members = await w.owner.get(`${w.base}/members`);
    expect(members.body.data.map((m: Json) => [m.email, m.role]).sort()).toEqual(
      [
        [w.people.admin.email, 'store_admin'],
        [w.people.bystander.email, 'store_member'],
        [w.people.delegate.email, 'store_member'],
        [w.people.owner.email, 'store_owner'],
      ].sort(),
    );
  });
});

describe('keys with few scopes', () => {
  it('cannot make a key with more than they hold; without scopes it gets exactly theirs', async () => {
    const w = await world();
    const limited = await f.key({ type: 'store', id: w.store.id }, { scopes: ['keys:read', 'keys:write'] });
    const api = adminClient(server.url, await f.token(limited));
    const more = await api.post('/v2/application-keys', { data: { name: 'more', scopes: ['audit:read'] } });
    expect(more.status).toBe(403);
    expect(more.body.errors[0].detail).toContain('audit:read');
    const same = await api.post('/v2/application-keys', { data: { name: 'same' } });
    expect(same.body.data.scopes).toEqual(['keys:read', 'keys:write']);
  });

  it('cannot make more with a token narrower than the key', async () => {
    const w = await world();
    const full = await f.key({ type: 'store', id: w.store.id });
    const api = adminClient(server.url, await f.token(full, 'keys:write'));
    const made = await api.post('/v2/application-keys', { data: { name: 'narrow' } });
    expect(made.body.data.scopes).toEqual(['keys:write']);
    const more = await api.post('/v2/application-keys', { data: { name: 'wide', scopes: ['keys:read'] } });
    expect(more.status).toBe(403);
  });

  it('an organization key without members:write cannot give a store key members:write', async () => {
    const w = await world();
    const orgKey = await f.key(
      { type: 'organization', id: w.org.id },
      { scopes: ['keys:read', 'keys:write'] },
    );
    const api = adminClient(server.url, await f.token(orgKey));
    const response = await api.post(`${w.base}/application-keys`, {
      data: { name: 'x', scopes: ['members:write'] },
    });
    expect(response.status).toBe(403);
  });

  it('store admins and store keys cannot give a key stores:write; an organization admin key can', async () => {
    const w = await world();
    const storeKeyApi = adminClient(
      server.url,
      await f.token(await f.key({ type: 'store', id: w.store.id })),
    );
    for (const api of [w.admin, w.owner, storeKeyApi]) {
      const response = await api.post(`${w.base}/application-keys`, {
        data: { name: `sw${++seq}`, scopes: ['stores:write'] },
      });
      expect(response.status).toBe(400);
      expect(response.body.errors[0].detail).toContain('stores:write');
    }
    const orgApi = adminClient(
      server.url,
      await f.token(await f.key({ type: 'organization', id: w.org.id })),
    );
    const orgKey = await orgApi.post(`/v2/organizations/${w.org.id}/application-keys`, {
      data: { name: 'creator', scopes: ['stores:write'] },
    });
    expect(orgKey.status).toBe(201);
    expect(orgKey.body.data.scopes).toEqual(['stores:write']);
  });
});
