import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, fixtures, ownerPath } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

const MAX_KEYS = 4;
let server: TestServer;
let f: ReturnType<typeof fixtures>;

beforeAll(async () => {
  server = await startTestServer({ MAX_KEYS_PER_OWNER: String(MAX_KEYS) });
  f = fixtures(server.runtime, server.url);
});
afterAll(() => server?.close());

describe('MAX_KEYS_PER_OWNER', () => {
  it('refuses keys past the limit with 409, even when the creates race', async () => {
    const org = await f.organization(1000);
    const store = await f.store(org.id, 1000);
    const owner = { type: 'store', id: store.id } as const;
    const api = adminClient(server.url, await f.token(await f.key({ type: 'organization', id: org.id })));
    const keys = `${ownerPath(owner)}/application-keys`;
    const results = await Promise.all(
      Array.from({ length: MAX_KEYS + 4 }, (_, i) =>
        api.post(keys, { data: { type: 'application_key', name: `racer ${i}` } }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(MAX_KEYS);
    expect(statuses.filter((s) => s === 409)).toHaveLength(4);
    const refused = results.find((r) => r.status === 409)!;
    expect(refused.body.errors[0].detail).toMatch(/MAX_KEYS_PER_OWNER is 4/);
    expect(await server.db.collection('application_keys').countDocuments({ 'owner.id': store.id })).toBe(
      MAX_KEYS,
    );

    // the CLI (same domain code) is held to it too, and a deletion makes room again
    await expect(f.key(owner)).rejects.toThrow(/MAX_KEYS_PER_OWNER/);
    const first = results.find((r) => r.status === 201)!;
    expect((await api.delete(`${keys}/${first.body.data.id}`)).status).toBe(204);
    expect((await api.post(keys, { data: { type: 'application_key', name: 'after delete' } })).status).toBe(
      201,
    );
  });
});

describe('the rate-limit view is paginated', () => {
  it('pages its keys and keeps the totals over all of them', async () => {
    const org = await f.organization(100);
    const owner = { type: 'organization', id: org.id } as const;
    const made = [];
    for (const reserved of [10, 20, 30]) made.push(await f.key(owner, { reservedRateLimit: reserved }));
    const api = adminClient(server.url, await f.token(made[0]!));
    const view = `${ownerPath(owner)}/rate-limit`;

    const first = await api.get(`${view}?page[limit]=2`);
    expect(first.status).toBe(200);
    expect(first.body.data).toMatchObject({ rate_limit: 100, reserved: 60, shared_pool: 40 });
    expect(first.body.data.keys.map((k: { id: string }) => k.id)).toEqual([made[0]!.id, made[1]!.id]);
    expect(first.body.meta.results).toEqual({ total: 3, offset: 0, limit: 2 });

    const second = await api.get(`${view}?page[offset]=2&page[limit]=2`);
    expect(second.body.data.keys.map((k: { id: string }) => k.id)).toEqual([made[2]!.id]);
    expect(second.body.data).toMatchObject({ reserved: 60, shared_pool: 40 });

    const byDefault = await api.get(view);
    expect(byDefault.body.meta.results).toEqual({ total: 3, offset: 0, limit: 50 });
    for (const bad of ['page[limit]=101', 'page[limit]=0', 'page[offset]=-1', 'page[limit]=abc'])
      expect((await api.get(`${view}?${bad}`)).status).toBe(400);
  });
});
