import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totpAt } from '../src/domain/totp.ts';
import { adminClient, fixtures } from './helpers/fixtures.ts';
import { client, oauthClient } from './helpers/oauth-client.ts';
import { signIn } from './helpers/sign-in.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

type Api = ReturnType<typeof adminClient>;
const cli = { kind: 'cli' } as const;
const PASSWORD = 'correct horse battery';

let server: TestServer;
let f: ReturnType<typeof fixtures>;
let seq = 0;

beforeAll(async () => {
  server = await startTestServer();
  f = fixtures(server.runtime, server.url);
});
afterAll(() => server?.close());

async function person(options: { operator?: boolean } = {}) {
  const email = `p${++seq}-${Date.now()}@example.com`;
  const user = await server.runtime.domain.users.create(cli, { email, password: PASSWORD, ...options });
  return { id: user.id, email };
}
async function apiOf(email: string): Promise<Api> {
  return adminClient(server.url, (await signIn(server.config.issuer, email, PASSWORD)).access_token);
}

/** An organization with a store and one of every kind of actor, each with an admin API client. */
async function world() {
  const org = await f.organization(100_000);
  const store = await f.store(org.id, 100_000);
  const { memberships } = server.runtime.domain;
  const people = {
    operator: await person({ operator: true }),
    orgAdmin: await person(),
    owner: await person(),
    admin: await person(),
    delegate: await person(),
    member: await person(),
  };
  await memberships.add(
    cli,
    { type: 'organization', id: org.id },
    { email: people.orgAdmin.email, role: 'org_admin' },
  );
  await memberships.add(
    cli,
    { type: 'store', id: store.id },
    { email: people.owner.email, role: 'store_owner' },
  );
  await memberships.add(
    cli,
    { type: 'store', id: store.id },
    { email: people.admin.email, role: 'store_admin' },
  );
  await memberships.add(
    cli,
    { type: 'store', id: store.id },
    { email: people.delegate.email, role: 'store_member' },
  );
  await memberships.add(
    cli,
    { type: 'store', id: store.id },
    { email: people.member.email, role: 'store_member' },
  );
  const apis: Record<string, Api> = {};
  for (const [name, p] of Object.entries(people)) apis[name] = await apiOf(p.email);
  // the store owner delegates key management over HTTP
  const granted = await apis.owner!.put(`/v2/stores/${store.id}/members/${people.delegate.id}/permissions`, {
    data: { manage_application_keys: true },
  });
  expect(granted.status).toBe(200);
  apis.orgKey = adminClient(server.url, await f.token(await f.key({ type: 'organization', id: org.id })));
  apis.storeKey = adminClient(server.url, await f.token(await f.key({ type: 'store', id: store.id })));
  return { org, store, people, apis };
}

type World = Awaited<ReturnType<typeof world>>;
const columns = [
  'operator',
  'orgAdmin',
  'orgKey',
  'owner',
  'admin',
  'storeKey',
  'delegate',
  'member',
] as const;
type Column = (typeof columns)[number];

/** DESIGN.md section 2, row by row: which columns may do it ('-' cells count as no). */
const table: Array<{
  row: string;
  allowed: Column[];
  act: (w: World, api: Api) => Promise<{ status: number }>;
}> = [
  {
    row: 'create organization',
    allowed: ['operator'],
    act: (_w, api) => api.post('/v2/organizations', { data: { name: `o${++seq}`, rate_limit: 10 } }),
  },
  {
    row: 'set organization rate_limit',
    allowed: ['operator'],
    act: (w, api) => api.patch(`/v2/organizations/${w.org.id}`, { data: { rate_limit: 100_000 + ++seq } }),
  },
  {
    row: 'set store rate_limit',
    allowed: ['operator'],
    act: (w, api) => api.patch(`/v2/stores/${w.store.id}`, { data: { rate_limit: 100_000 + ++seq } }),
  },
  {
    row: 'create store in organization',
    allowed: ['operator', 'orgAdmin', 'orgKey'],
    act: (w, api) =>
      api.post(`/v2/organizations/${w.org.id}/stores`, { data: { name: `s${++seq}`, rate_limit: 10 } }),
  },
  {
    row: 'manage organization keys',
    allowed: ['operator', 'orgAdmin', 'orgKey'],
    act: (w, api) =>
      api.post(`/v2/organizations/${w.org.id}/application-keys`, { data: { name: `k${++seq}` } }),
  },
  {
    row: 'manage store keys',
    allowed: ['operator', 'orgAdmin', 'orgKey', 'owner', 'admin', 'storeKey', 'delegate'],
    act: (w, api) => api.post(`/v2/stores/${w.store.id}/application-keys`, { data: { name: `k${++seq}` } }),
  },
  {
    row: 'add store members',
    allowed: ['operator', 'orgAdmin', 'orgKey', 'owner', 'admin', 'storeKey'],
    act: async (w, api) =>
      api.post(`/v2/stores/${w.store.id}/members`, {
        data: { email: (await person()).email, role: 'store_member' },
      }),
  },
  {
    row: 'add store owners',
    allowed: ['operator', 'orgAdmin', 'orgKey', 'owner'],
    act: async (w, api) =>
      api.post(`/v2/stores/${w.store.id}/members`, {
        data: { email: (await person()).email, role: 'store_owner' },
      }),
  },
  {
    row: 'remove store members',
    allowed: ['operator', 'orgAdmin', 'orgKey', 'owner', 'admin', 'storeKey'],
    act: async (w, api) => {
      const p = await person();
      await server.runtime.domain.memberships.add(
        cli,
        { type: 'store', id: w.store.id },
        { email: p.email, role: 'store_member' },
      );
      return api.delete(`/v2/stores/${w.store.id}/members/${p.id}`);
    },
  },
  {
    row: 'remove store owners',
    allowed: ['operator', 'orgAdmin', 'orgKey', 'owner'],
    act: async (w, api) => {
      const p = await person();
      await server.runtime.domain.memberships.add(
        cli,
        { type: 'store', id: w.store.id },
        { email: p.email, role: 'store_owner' },
      );
      return api.delete(`/v2/stores/${w.store.id}/members/${p.id}`);
    },
  },
  {
    row: 'grant manage_application_keys',
    allowed: ['owner'],
    act: (w, api) =>
      api.put(`/v2/stores/${w.store.id}/members/${w.people.member.id}/permissions`, {
        data: { manage_application_keys: false },
      }),
  },
];

describe('the permission table of DESIGN.md section 2, against the running server', () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
  }, 120_000);

  for (const { row, allowed, act } of table) {
    it.each(columns)(`${row}: %s`, async (column) => {
      const response = await act(w, w.apis[column]!);
      if (allowed.includes(column)) expect(response.status, `${column} may ${row}`).toBeLessThan(300);
      else expect([403, 404], `${column} may not ${row}`).toContain(response.status);
    });
  }
});

describe('delegated key management', () => {
  it('lets the delegate list, create, update, rotate and delete the store keys, and nothing more', async () => {
    const { store, apis, people } = await world();
    const api = apis.delegate!;
    const keys = `/v2/stores/${store.id}/application-keys`;
    const created = await api.post(keys, { data: { name: 'delegated' } });
    expect(created.status).toBe(201);
    const id = created.body.data.id;
    expect((await api.get(keys)).status).toBe(200);
    expect((await api.patch(`${keys}/${id}`, { data: { name: 'renamed' } })).status).toBe(200);
    expect((await api.post(`${keys}/${id}/rotate-secret`)).status).toBe(200);
    expect((await api.delete(`${keys}/${id}`)).status).toBe(204);
    // nothing more: not the store, its members, its limits, nor passing the permission on
    expect((await api.get(`/v2/stores/${store.id}`)).status).toBe(403);
    expect((await api.get(`/v2/stores/${store.id}/members`)).status).toBe(403);
    expect((await api.get(`/v2/stores/${store.id}/rate-limit`)).status).toBe(403);
    const passOn = await api.put(`/v2/stores/${store.id}/members/${people.member.id}/permissions`, {
      data: { manage_application_keys: true },
    });
    expect(passOn.status).toBe(403);
    // and the delegate's role is unchanged
    const me = await api.get('/v2/me');
    expect(me.body.data.memberships).toEqual([
      expect.objectContaining({
        role: 'store_member',
        permissions: { manage_application_keys: true },
        owner: { type: 'store', id: store.id },
      }),
    ]);
  });

  it('cannot be granted by a store admin, and does not reach another store', async () => {
    const { org, store, apis, people } = await world();
    const byAdmin = await apis.admin!.put(`/v2/stores/${store.id}/members/${people.member.id}/permissions`, {
      data: { manage_application_keys: true },
    });
    expect(byAdmin.status).toBe(403);
    const other = await f.store(org.id, 1000);
    expect((await apis.delegate!.get(`/v2/stores/${other.id}/application-keys`)).status).toBe(404);
    expect(
      (await apis.delegate!.post(`/v2/stores/${other.id}/application-keys`, { data: { name: 'x' } })).status,
    ).toBe(404);
  });

  it('is revoked by the owner with effect on the next request', async () => {
    const { store, apis, people } = await world();
    const keys = `/v2/stores/${store.id}/application-keys`;
    expect((await apis.delegate!.get(keys)).status).toBe(200);
    const revoked = await apis.owner!.put(
      `/v2/stores/${store.id}/members/${people.delegate.id}/permissions`,
      {
        data: { manage_application_keys: false },
      },
    );
    expect(revoked.body.data.permissions).toEqual({ manage_application_keys: false });
    expect((await apis.delegate!.get(keys)).status).toBe(403);
  });
});

describe('require_2fa_for_key_managers', () => {
  it('refuses key management to users without TOTP, warns on such a grant, and allows them once signed in with it', async () => {
    const { store, apis, people } = await world();
    const keys = `/v2/stores/${store.id}/application-keys`;
    const set = await apis.owner!.patch(`/v2/stores/${store.id}`, {
      data: { require_2fa_for_key_managers: true },
    });
    expect(set.status).toBe(200);
    expect(set.body.data.require_2fa_for_key_managers).toBe(true);

    const refused = await apis.delegate!.post(keys, { data: { name: 'needs 2fa' } });
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0].detail).toMatch(/requires a second factor/);
    expect((await apis.owner!.get(keys)).status).toBe(403); // owners too
    expect((await apis.storeKey!.get(keys)).status).toBe(200); // keys are not people

    const grant = await apis.owner!.put(`/v2/stores/${store.id}/members/${people.member.id}/permissions`, {
      data: { manage_application_keys: true },
    });
    expect(grant.status).toBe(200);
    expect(grant.body.meta.warnings[0]).toMatch(/no second factor/);

    const enrol = await apis.delegate!.post('/v2/me/totp');
    const secret = base32Decode(enrol.body.data.secret);
    const verified = await apis.delegate!.post('/v2/me/totp/verify', {
      data: { otp: totpAt(secret, Math.floor(Date.now() / 30_000)) },
    });
    expect(verified.status).toBe(200);
    // enrolled, but this token's sign-in used the password alone
    expect((await apis.delegate!.post(keys, { data: { name: 'with 2fa' } })).status).toBe(403);
    const withOtp = await signIn(server.config.issuer, people.delegate.email, PASSWORD, () =>
      totpAt(secret, Math.floor(Date.now() / 30_000) + 1),
    );
    const delegate = adminClient(server.url, withOtp.access_token);
    expect((await delegate.post(keys, { data: { name: 'with 2fa' } })).status).toBe(201);
  });
});

describe('removing a member', () => {
  it('ends their access at once, while keys they created and those keys tokens keep working', async () => {
    const { store, apis, people } = await world();
    const keys = `/v2/stores/${store.id}/application-keys`;
    const created = await apis.admin!.post(keys, { data: { name: 'made by admin' } });
    expect(created.status).toBe(201);
    const key = {
      clientId: created.body.data.client_id as string,
      secret: created.body.data.client_secret as string,
    };
    const keyToken = (
      await client.clientCredentialsGrant(await oauthClient(server.config.issuer, key.clientId, key.secret))
    ).access_token;

    expect((await apis.owner!.delete(`/v2/stores/${store.id}/members/${people.admin.id}`)).status).toBe(204);
    expect((await apis.admin!.get(keys)).status).toBe(404);
    expect((await apis.admin!.get('/v2/me')).body.data.memberships).toEqual([]);

    const keyApi = adminClient(server.url, keyToken);
    expect((await keyApi.get(`/v2/stores/${store.id}`)).status).toBe(200);
    const introspected = await client.tokenIntrospection(
      await oauthClient(server.config.issuer, key.clientId, key.secret),
      keyToken,
    );
    expect(introspected.active).toBe(true);
    expect(
      (await client.clientCredentialsGrant(await oauthClient(server.config.issuer, key.clientId, key.secret)))
        .access_token,
    ).toBeTruthy();

    const events = await apis.owner!.get(`/v2/stores/${store.id}/audit-events?page[limit]=100`);
    const actions = events.body.data.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'member.removed',
        'member.added',
        'permission.granted',
        'application_key.created',
      ]),
    );
    const removal = events.body.data.find((e: { action: string }) => e.action === 'member.removed');
    expect(removal).toMatchObject({
      actor: { type: 'user', id: people.owner.id },
      target: { type: 'user', id: people.admin.id },
    });
    const createdEvent = events.body.data.find(
      (e: { action: string; target: { id: string } }) =>
        e.action === 'application_key.created' && e.target.id === created.body.data.id,
    );
    expect(createdEvent.actor).toEqual({ type: 'user', id: people.admin.id });
  });
});
