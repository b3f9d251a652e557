import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminClient, type KeyFixture } from '../helpers/fixtures.ts';
import { within } from '../helpers/key-calls.ts';
import { startTwoInstances, type TwoInstances } from '../helpers/two-instances.ts';

let cluster: TwoInstances;
beforeAll(async () => {
  cluster = await startTwoInstances({ REDIS_URL: inject('redisUrl') });
});
afterAll(() => cluster?.close());

/** The status of a client_credentials request with `secret` at `url`. */
const mint = async (url: string, key: KeyFixture, secret: string) =>
  (
    await fetch(`${url}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${key.clientId}:${secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    })
  ).status;

describe('key changes across two instances sharing Redis', () => {
  it('a rotated secret stops working at once where it was rotated and within 1 s on the other', async () => {
    const { f, first, secondUrl } = cluster;
    const org = await f.organization(10_000);
    const store = await f.store(org.id, 1000);
    const key = await f.key({ type: 'store', id: store.id });
    const admin = adminClient(first.url, await f.token(await f.key({ type: 'organization', id: org.id })));
    // both instances know the old secret (and would have cached the client)
    expect(await mint(first.url, key, key.secret)).toBe(200);
    expect(await mint(secondUrl, key, key.secret)).toBe(200);

    const rotated = await admin.post(`/v2/stores/${store.id}/application-keys/${key.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.data.client_secret as string;
    expect(await mint(first.url, key, key.secret)).toBe(401);
    const ms = await within(() => mint(secondUrl, key, key.secret), 401, 1000);
    expect(ms).toBeLessThanOrEqual(1000);
    expect(await mint(first.url, key, fresh)).toBe(200);
    expect(await mint(secondUrl, key, fresh)).toBe(200);
  });

  it("a deleted key's tokens are refused at once where it was deleted and within 1 s on the other", async () => {
    const { f, first, secondUrl } = cluster;
    const org = await f.organization(10_000);
    const store = await f.store(org.id, 1000);
    const key = await f.key({ type: 'store', id: store.id });
    const token = await f.token(key);
    const path = `/v2/stores/${store.id}`;
    const admin = adminClient(first.url, await f.token(await f.key({ type: 'organization', id: org.id })));
    expect((await adminClient(first.url, token).get(path)).status).toBe(200);
    expect((await adminClient(secondUrl, token).get(path)).status).toBe(200);

    expect((await admin.delete(`${path}/application-keys/${key.id}`)).status).toBe(204);
    expect((await adminClient(first.url, token).get(path)).status).toBe(401);
    const ms = await within(async () => (await adminClient(secondUrl, token).get(path)).status, 401, 1000);
    expect(ms).toBeLessThanOrEqual(1000);
    // and its credentials mint nothing anywhere
    expect(await mint(first.url, key, key.secret)).toBe(401);
    expect(await mint(secondUrl, key, key.secret)).toBe(401);
  });

  it("a jwt key's tokens: verified by either instance, refused within 1 s on the other once deleted", async () => {
    const { f, first, secondUrl } = cluster;
    const org = await f.organization(10_000);
    const store = await f.store(org.id, 1000);
    const key = await f.key({ type: 'store', id: store.id }, { tokenFormat: 'jwt' });
    const token = await f.token(key); // minted by the first instance, stored nowhere
    expect(token.split('.')).toHaveLength(3);
    const path = `/v2/stores/${store.id}`;
    const admin = adminClient(first.url, await f.token(await f.key({ type: 'organization', id: org.id })));
    expect((await adminClient(secondUrl, token).get(path)).status).toBe(200);

    expect((await admin.delete(`${path}/application-keys/${key.id}`)).status).toBe(204);
    expect((await adminClient(first.url, token).get(path)).status).toBe(401);
    const ms = await within(async () => (await adminClient(secondUrl, token).get(path)).status, 401, 1000);
    expect(ms).toBeLessThanOrEqual(1000);
  });
});
