import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, fixtures, ownerPath } from './helpers/fixtures.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

let server: TestServer;
let f: ReturnType<typeof fixtures>;

beforeAll(async () => {
  server = await startTestServer();
  f = fixtures(server.runtime, server.url);
});
afterAll(() => server?.close());

async function world() {
  const org = await f.organization();
  const store = await f.store(org.id);
  const sibling = await f.store(org.id);
  const foreignOrg = await f.organization();
  const foreignStore = await f.store(foreignOrg.id);
  const orgApi = adminClient(server.url, await f.token(await f.key({ type: 'organization', id: org.id })));
  const storeApi = adminClient(server.url, await f.token(await f.key({ type: 'store', id: store.id })));
  return { org, store, sibling, foreignOrg, foreignStore, orgApi, storeApi };
}

describe('an organization key (Org Admin)', () => {
  it('manages keys of the organization and of all its stores', async () => {
    const { org, store, sibling, orgApi } = await world();
    for (const owner of [
      { type: 'organization' as const, id: org.id },
      { type: 'store' as const, id: store.id },
      { type: 'store' as const, id: sibling.id },
    ]) {
      const created = await orgApi.post(`${ownerPath(owner)}/application-keys`, {
        data: { name: 'by org admin' },
      });
      expect(created.status).toBe(201);
      expect(created.body.data.owner).toEqual(owner);
    }
  });

  it('creates, lists and renames stores of its organization, but sets no rate limits', async () => {
    const { org, store, orgApi } = await world();
    const created = await orgApi.post(`/v2/organizations/${org.id}/stores`, {
      data: { name: 'new store', rate_limit: 50 },
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      type: 'store',
      organization_id: org.id,
      name: 'new store',
      rate_limit: 50,
    });
    const list = await orgApi.get(`/v2/organizations/${org.id}/stores`);
    expect(list.body.meta.results.total).toBe(3);
    expect((await orgApi.patch(`/v2/stores/${store.id}`, { data: { name: 'renamed' } })).body.data.name).toBe(
      'renamed',
    );
    expect((await orgApi.patch(`/v2/stores/${store.id}`, { data: { rate_limit: 5 } })).status).toBe(403);
    expect((await orgApi.patch(`/v2/organizations/${org.id}`, { data: { rate_limit: 5 } })).status).toBe(403);
  });

  it('cannot create organizations (operators only)', async () => {
    const { orgApi } = await world();
    const response = await orgApi.post('/v2/organizations', { data: { name: 'mine', rate_limit: 10 } });
    expect(response.status).toBe(403);
    expect(response.body.errors[0].code).toBe('forbidden');
  });

  it('sees nothing of another organization (404)', async () => {
    const { foreignOrg, foreignStore, orgApi } = await world();
    expect((await orgApi.get(`/v2/organizations/${foreignOrg.id}`)).status).toBe(404);
    expect((await orgApi.get(`/v2/stores/${foreignStore.id}`)).status).toBe(404);
    expect((await orgApi.get(`/v2/stores/${foreignStore.id}/application-keys`)).status).toBe(404);
    expect(
      (await orgApi.post(`/v2/stores/${foreignStore.id}/application-keys`, { data: { name: 'x' } })).status,
    ).toBe(404);
    expect((await orgApi.get(`/v2/organizations/${foreignOrg.id}/rate-limit`)).status).toBe(404);
  });
});

describe('a store key (Store Admin)', () => {
  it('manages the keys of its own store and reads its store', async () => {
    const { store, storeApi } = await world();
    expect(
      (await storeApi.post(`/v2/stores/${store.id}/application-keys`, { data: { name: 'by store admin' } }))
        .status,
    ).toBe(201);
    expect((await storeApi.get(`/v2/stores/${store.id}`)).body.data.id).toBe(store.id);
    expect((await storeApi.get(`/v2/stores/${store.id}/rate-limit`)).body.data.rate_limit).toBe(100);
    expect((await storeApi.get(`/v2/stores/${store.id}/audit-events`)).status).toBe(200);
  });

  it('cannot reach another store of the same organization, nor the organization (404)', async () => {
    const { org, sibling, storeApi } = await world();
    expect((await storeApi.get(`/v2/stores/${sibling.id}`)).status).toBe(404);
    expect((await storeApi.get(`/v2/stores/${sibling.id}/application-keys`)).status).toBe(404);
    expect(
      (await storeApi.post(`/v2/stores/${sibling.id}/application-keys`, { data: { name: 'x' } })).status,
    ).toBe(404);
    expect((await storeApi.get(`/v2/organizations/${org.id}`)).status).toBe(404);
    expect((await storeApi.get(`/v2/organizations/${org.id}/application-keys`)).status).toBe(404);
    expect(
      (await storeApi.post(`/v2/organizations/${org.id}/stores`, { data: { name: 'x', rate_limit: 1 } }))
        .status,
    ).toBe(404);
  });

  it('cannot change its store rate limit', async () => {
    const { store, storeApi } = await world();
    expect((await storeApi.patch(`/v2/stores/${store.id}`, { data: { rate_limit: 1000 } })).status).toBe(403);
  });
});

describe('the rate-limit view', () => {
  it('shows the limit, what is reserved, the shared pool and each key', async () => {
    const { store, storeApi } = await world();
    const reserved = await storeApi.post(`/v2/stores/${store.id}/application-keys`, {
      data: { name: 'reserving', reserved_rate_limit: 30 },
    });
    const view = await storeApi.get(`/v2/stores/${store.id}/rate-limit`);
    expect(view.body.data).toMatchObject({ rate_limit: 100, reserved: 30, shared_pool: 70 });
    expect(view.body.data.keys).toContainEqual({
      id: reserved.body.data.id,
      name: 'reserving',
      reserved_rate_limit: 30,
      usage: { reserved: 0 },
    });
    expect(view.body.data.usage).toEqual({ shared_pool: expect.any(Number) });
    expect(view.body.data.keys).toHaveLength(2);
  });

  it('shows the current use of the shared pool', async () => {
    const { org } = await world();
    const small = await f.store(org.id, 2);
    const api = adminClient(server.url, await f.token(await f.key({ type: 'store', id: small.id })));
    await sleep(1100); // minting is charged too: start from a full pool
    expect((await api.get(`/v2/stores/${small.id}`)).status).toBe(200);
    // at 2 per second each request occupies the shared pool for half a second
    const view = await api.get(`/v2/stores/${small.id}/rate-limit`);
    expect(view.body.data.usage.shared_pool).toBeGreaterThanOrEqual(1);
    expect(view.body.data.usage.shared_pool).toBeLessThanOrEqual(2);
  });
});

describe('unknown admin paths', () => {
  it('answer 404 in the errors shape to an authenticated caller', async () => {
    const { orgApi } = await world();
    const response = await orgApi.get('/v2/no-such-thing');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({
      errors: [
        {
          status: 404,
          title: 'Not Found',
          detail: 'No resource at GET /v2/no-such-thing.',
          code: 'not_found',
        },
      ],
    });
  });

  it('answer 405 for a method a path does not have', async () => {
    const { org, orgApi } = await world();
    const response = await orgApi.delete(`/v2/organizations/${org.id}`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toMatch(/GET/);
    expect(response.headers.get('allow')).toMatch(/PATCH/);
    expect(response.body.errors[0].status).toBe(405);
  });
});
