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

/** An organization (limit 100) with a store, and an admin client acting with the organization's key. */
async function orgSetup(rateLimit = 100) {
  const org = await f.organization(rateLimit);
  const owner = { type: 'organization' as const, id: org.id };
  const key = await f.key(owner);
  return {
    org,
    owner,
    key,
    api: adminClient(server.url, await f.token(key)),
    keys: `${ownerPath(owner)}/application-keys`,
  };
}

describe('creating keys', () => {
  it('answers 201 with the key, its client id and its secret shown once', async () => {
    const { api, keys, owner } = await orgSetup();
    const created = await api.post(keys, {
      data: {
        type: 'application_key',
        name: 'nightly import',
        reserved_rate_limit: 10,
        allowed_origins: ['https://shop.example.com'],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      type: 'application_key',
      name: 'nightly import',
      reserved_rate_limit: 10,
      allowed_origins: ['https://shop.example.com'],
      owner,
      meta: { timestamps: { last_used_at: null } },
    });
    expect(created.body.data.client_secret).toMatch(/^appkeys_sk_[A-Za-z0-9_-]{43}$/);
    expect(created.body.data.client_id).toBe(`appkeys_ak_${created.body.data.id}`);
    expect(created.body.meta).toBeUndefined();

    const fetched = await api.get(`${keys}/${created.body.data.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body.data).not.toHaveProperty('client_secret');
    expect(fetched.body.data.id).toBe(created.body.data.id);
  });

  it('stores only a keyed hash of the secret', async () => {
    const { api, keys } = await orgSetup();
    const created = await api.post(keys, { data: { name: 'hash check' } });
    const stored = await server.db.collection('application_keys').findOne({ _id: created.body.data.id });
    const text = JSON.stringify(stored);
    expect(text).not.toContain(created.body.data.client_secret);
    expect(stored?.secret_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a second key of the same name for the same owner with 409', async () => {
    const { api, keys } = await orgSetup();
    expect((await api.post(keys, { data: { name: 'dup' } })).status).toBe(201);
    const again = await api.post(keys, { data: { name: 'dup' } });
    expect(again.status).toBe(409);
    expect(again.body.errors[0]).toMatchObject({ status: 409, title: 'Conflict' });
    expect(again.body.errors[0].detail).toContain('"dup"');
  });

  it('allows the same name under another owner', async () => {
    const { api, keys, org } = await orgSetup();
    const store = await f.store(org.id);
    expect((await api.post(keys, { data: { name: 'shared name' } })).status).toBe(201);
    expect(
      (
        await api.post(`${ownerPath({ type: 'store', id: store.id })}/application-keys`, {
          data: { name: 'shared name' },
        })
      ).status,
    ).toBe(201);
  });

  it.each([
    ['malformed JSON', '{"data": {"name": '],
    ['an unknown field', '{"data": {"name": "x", "colour": "red"}}'],
    ['an unknown top-level field', '{"data": {"name": "x"}, "extra": 1}'],
    ['a wrong type', '{"data": {"name": 42}}'],
    ['a negative reservation', '{"data": {"name": "x", "reserved_rate_limit": -1}}'],
    ['a fractional reservation', '{"data": {"name": "x", "reserved_rate_limit": 1.5}}'],
    ['a reservation as a string', '{"data": {"name": "x", "reserved_rate_limit": "5"}}'],
    ['an empty name', '{"data": {"name": "  "}}'],
    ['a missing name', '{"data": {}}'],
    ['an origin with a path', '{"data": {"name": "x", "allowed_origins": ["https://a.example/path"]}}'],
    ['a wrong type literal', '{"data": {"type": "user", "name": "x"}}'],
    ['no envelope', '{"name": "x"}'],
  ])('answers 400 for %s and stores nothing', async (_label, raw) => {
    const { api, keys } = await orgSetup();
    const response = await api.raw('POST', keys, raw);
    expect(response.status).toBe(400);
    expect(response.body.errors[0]).toMatchObject({ status: 400, title: 'Bad Request', code: 'bad_request' });
    expect(response.body.errors[0].detail.length).toBeGreaterThan(10);
    expect((await api.get(keys)).body.meta.results.total).toBe(1); // only the caller's own key
  });

  it('answers 400 when the body is not JSON', async () => {
    const { keys } = await orgSetup();
    const { key } = await orgSetup();
    const response = await fetch(`${server.url}${keys}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await f.token(key)}`, 'content-type': 'text/plain' },
      body: 'name=x',
    });
    expect(response.status).toBe(400);
  });
});

/** A store of `rateLimit`, managed with the organization's key (whose requests the organization's pool pays). */
async function storeSetup(rateLimit = 100) {
  const { org, api } = await orgSetup(1000);
  const store = await f.store(org.id, rateLimit);
  const owner = { type: 'store' as const, id: store.id };
  return { store, owner, api, keys: `${ownerPath(owner)}/application-keys` };
}

describe('reservations', () => {
  it('refuses 21 after 80 of 100 are reserved, naming the amounts, and accepts 20 with a warning', async () => {
    const { api, keys } = await storeSetup(100);
    expect((await api.post(keys, { data: { name: 'batch', reserved_rate_limit: 80 } })).status).toBe(201);
    const refused = await api.post(keys, { data: { name: 'too much', reserved_rate_limit: 21 } });
    expect(refused.status).toBe(409);
    expect(refused.body.errors[0].detail).toMatch(
      /reserve 21 .*rate_limit is 100, 80 are reserved .*at most 20 are left/,
    );
    const accepted = await api.post(keys, { data: { name: 'storefront', reserved_rate_limit: 20 } });
    expect(accepted.status).toBe(201);
    expect(accepted.body.meta.warnings).toEqual([expect.stringMatching(/shared pool is now empty/)]);
    const view = await api.get(`${keys.replace('/application-keys', '')}/rate-limit`);
    expect(view.body.data).toMatchObject({ rate_limit: 100, reserved: 100, shared_pool: 0 });
  });

  it('checks a raised reservation on update against the others, and lets it be lowered', async () => {
    const { api, keys } = await storeSetup(100);
    const a = (await api.post(keys, { data: { name: 'a', reserved_rate_limit: 50 } })).body.data;
    const b = (await api.post(keys, { data: { name: 'b', reserved_rate_limit: 40 } })).body.data;
    const tooMuch = await api.patch(`${keys}/${b.id}`, { data: { reserved_rate_limit: 51 } });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.errors[0].detail).toMatch(/reserve 51 .*50 are reserved .*at most 50 are left/);
    expect((await api.patch(`${keys}/${b.id}`, { data: { reserved_rate_limit: 50 } })).status).toBe(200);
    expect(
      (await api.put(`${keys}/${a.id}`, { data: { reserved_rate_limit: 0 } })).body.data.reserved_rate_limit,
    ).toBe(0);
    const list = await api.get(keys);
    expect(list.body.meta.total_reserved_rate_limit).toBe(50);
  });

  it('refuses to lower an owner rate_limit below its reservations, and accepts it down to the sum', async () => {
    const { owner, api, keys } = await orgSetup(100);
    await api.post(keys, { data: { name: 'r', reserved_rate_limit: 60 } });
    const cli = { kind: 'cli' } as const;
    await expect(
      server.runtime.domain.organizations.updateOrganization(cli, owner.id, { rateLimit: 59 }),
    ).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/rate_limit to 59: its keys reserve 60/),
    });
    const lowered = await server.runtime.domain.organizations.updateOrganization(cli, owner.id, {
      rateLimit: 60,
    });
    expect(lowered.warnings).toEqual([expect.stringMatching(/shared pool is now empty/)]);
    expect((await api.get(ownerPath(owner))).body.data.rate_limit).toBe(60);
  });

  it('does not let keys change rate limits (operators only)', async () => {
    const { owner, api } = await orgSetup(100);
    const response = await api.patch(ownerPath(owner), { data: { rate_limit: 1000 } });
    expect(response.status).toBe(403);
    expect((await api.get(ownerPath(owner))).body.data.rate_limit).toBe(100);
  });
});

describe('reading, updating, rotating and deleting', () => {
  it('paginates with page[offset] and page[limit] and counts the total', async () => {
    const { api, keys } = await orgSetup();
    for (let i = 0; i < 4; i++) await api.post(keys, { data: { name: `k${i}` } });
    const page = await api.get(`${keys}?page[offset]=1&page[limit]=2`);
    expect(page.status).toBe(200);
    expect(page.body.data).toHaveLength(2);
    expect(page.body.meta.results).toEqual({ total: 5, offset: 1, limit: 2 });
    expect(page.text).not.toContain('client_secret');
    expect(page.text).not.toContain('appkeys_sk_');
    expect((await api.get(`${keys}?page[limit]=101`)).status).toBe(400);
    expect((await api.get(`${keys}?page[offset]=-1`)).status).toBe(400);
  });

  it('filters keys unused for N days', async () => {
    const { api, keys, key } = await orgSetup();
    const idle = (await api.post(keys, { data: { name: 'idle' } })).body.data;
    const old = new Date(Date.now() - 40 * 86_400_000);
    await server.db.collection('application_keys').updateOne({ _id: idle.id }, { $set: { created_at: old } });
    const unused = await api.get(`${keys}?unused_for_days=30`);
    expect(unused.body.data.map((k: { id: string }) => k.id)).toEqual([idle.id]);
    expect(unused.body.data.map((k: { id: string }) => k.id)).not.toContain(key.id);
    expect((await api.get(`${keys}?unused_for_days=soon`)).status).toBe(400);
  });

  it('updates only the fields sent, by PUT and by PATCH', async () => {
    const { api, keys } = await orgSetup();
    const created = (
      await api.post(keys, {
        data: { name: 'before', reserved_rate_limit: 5, allowed_origins: ['https://a.example'] },
      })
    ).body.data;
    const renamed = await api.put(`${keys}/${created.id}`, { data: { name: 'after' } });
    expect(renamed.body.data).toMatchObject({
      name: 'after',
      reserved_rate_limit: 5,
      allowed_origins: ['https://a.example'],
    });
    const reorigined = await api.patch(`${keys}/${created.id}`, { data: { allowed_origins: [] } });
    expect(reorigined.body.data).toMatchObject({
      name: 'after',
      reserved_rate_limit: 5,
      allowed_origins: [],
    });
    expect((await api.patch(`${keys}/${created.id}`, { data: { id: 'other' } })).status).toBe(409);
    expect((await api.patch(`${keys}/${created.id}`, { data: { client_secret: 'x' } })).status).toBe(400);
  });

  it('refuses a rename onto another key name with 409 and keeps the key', async () => {
    const { api, keys } = await orgSetup();
    await api.post(keys, { data: { name: 'one' } });
    const two = (await api.post(keys, { data: { name: 'two' } })).body.data;
    expect((await api.patch(`${keys}/${two.id}`, { data: { name: 'one' } })).status).toBe(409);
    expect((await api.get(`${keys}/${two.id}`)).body.data.name).toBe('two');
  });

  it('rotates the secret, showing the new one once', async () => {
    const { api, keys } = await orgSetup();
    const created = (await api.post(keys, { data: { name: 'rotating' } })).body.data;
    const rotated = await api.post(`${keys}/${created.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.data.client_secret).toMatch(/^appkeys_sk_/);
    expect(rotated.body.data.client_secret).not.toBe(created.client_secret);
    expect(rotated.body.data.client_id).toBe(created.client_id);
  });

  it('deletes a key: 204, then 404', async () => {
    const { api, keys } = await orgSetup();
    const created = (await api.post(keys, { data: { name: 'doomed' } })).body.data;
    expect((await api.delete(`${keys}/${created.id}`)).status).toBe(204);
    expect((await api.get(`${keys}/${created.id}`)).status).toBe(404);
    expect((await api.delete(`${keys}/${created.id}`)).status).toBe(404);
  });

  it('answers 404 for unknown key ids and for ids of other owners', async () => {
    const first = await orgSetup();
    const second = await orgSetup();
    expect((await first.api.get(`${first.keys}/no-such-key`)).status).toBe(404);
    expect((await first.api.get(`${first.keys}/${second.key.id}`)).status).toBe(404);
    expect((await first.api.get(`${second.keys}/${second.key.id}`)).status).toBe(404);
    expect((await first.api.delete(`${second.keys}/${second.key.id}`)).status).toBe(404);
    expect((await second.api.get(`${second.keys}/${second.key.id}`)).status).toBe(200);
  });
});

describe('compatibility paths /v2/application-keys', () => {
  it('act for the owner of the calling key', async () => {
    const { api, key, keys } = await orgSetup();
    const created = await api.post('/v2/application-keys', { data: { name: 'via compat' } });
    expect(created.status).toBe(201);
    const ids = (await api.get(keys)).body.data.map((k: { id: string }) => k.id);
    expect(ids).toContain(created.body.data.id);
    expect((await api.get(`/v2/application-keys/${key.id}`)).body.data.id).toBe(key.id);
    expect(
      (await api.patch(`/v2/application-keys/${created.body.data.id}`, { data: { name: 'renamed' } })).body
        .data.name,
    ).toBe('renamed');
    expect(
      (await api.post(`/v2/application-keys/${created.body.data.id}/rotate-secret`)).body.data.client_secret,
    ).toBeTruthy();
    expect((await api.delete(`/v2/application-keys/${created.body.data.id}`)).status).toBe(204);
  });
});

describe('audit events', () => {
  it('records who created, changed, rotated and deleted keys, newest first, without secrets', async () => {
    const { api, keys, key, owner } = await orgSetup();
    const created = await api.post(keys, { data: { name: 'audited', reserved_rate_limit: 3 } });
    const id = created.body.data.id;
    await api.patch(`${keys}/${id}`, { data: { reserved_rate_limit: 4 } });
    await api.post(`${keys}/${id}/rotate-secret`);
    await api.delete(`${keys}/${id}`);
    const events = await api.get(`${ownerPath(owner)}/audit-events?page[limit]=4`);
    expect(events.status).toBe(200);
    expect(events.body.data.map((e: { action: string }) => e.action)).toEqual([
      'application_key.deleted',
      'application_key.secret_rotated',
      'application_key.updated',
      'application_key.created',
    ]);
    expect(events.body.data[2]).toMatchObject({
      actor: { type: 'application_key', id: key.id },
      target: { type: 'application_key', id },
      changes: { reserved_rate_limit: { from: 3, to: 4 } },
    });
    expect(events.text).not.toContain('appkeys_sk_');
    expect(events.text).not.toContain(created.body.data.client_secret);
  });
});
