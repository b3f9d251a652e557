import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminClient, fixtures } from '../helpers/fixtures.ts';
import {
  bothSubscribed,
  introspectsActive,
  mintToken,
  oauthPost,
  resourceServer as resourceServerOf,
  within,
  type Credentials,
} from '../helpers/key-calls.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { startTwoInstances, type TwoInstances } from '../helpers/two-instances.ts';

/**
 * The token cache (src/oauth/token-cache.ts) over real HTTP: keys' tokens are introspected and
 * accepted on /v2 from memory, and a revocation is seen at once on the instance that revoked,
 * through Redis on the others, and within about 1 s without Redis. The Redis instances run with a
 * 60 s lifetime, so a lost revocation message fails every polling window below (1.5 s).
 */
async function revoke(url: string, key: Credentials, token: string): Promise<void> {
  expect((await oauthPost(url, '/token/revocation', key, { token })).status).toBe(200);
}

/** appkeys_token_cache_lookups_total of one instance, by result. */
async function lookups(metricsUrl: string): Promise<{ hit: number; load: number }> {
  const text = await (await fetch(metricsUrl)).text();
  const read = (result: string) =>
    Number(
      new RegExp(`appkeys_token_cache_lookups_total\\{result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? 0,
    );
  return { hit: read('hit'), load: read('load') };
}

describe('with Redis: two instances whose cached tokens live 60 s', () => {
  let cluster: TwoInstances;
  let resourceServer: Credentials;
  beforeAll(async () => {
    cluster = await startTwoInstances({ REDIS_URL: inject('redisUrl'), CLIENT_CACHE_TTL_MS: '60000' });
    resourceServer = await resourceServerOf(cluster.first.runtime);
    await bothSubscribed(cluster);
  });
  afterAll(() => cluster?.close());

  async function storeKey() {
    const org = await cluster.f.organization(10_000);
    const store = await cluster.f.store(org.id, 1000);
    return { store, key: await cluster.f.key({ type: 'store', id: store.id }) };
  }

  it("keys' tokens are 44 characters and the instance that minted one introspects it from memory", async () => {
    const { first } = cluster;
    const { key } = await storeKey();
    const token = await mintToken(first.url, key);
    expect(token).toMatch(/^[A-Za-z0-9_-]{44}$/);
    const before = await lookups(first.metricsUrl);
    for (let i = 0; i < 5; i++) expect(await introspectsActive(first.url, resourceServer, token)).toBe(true);
    const after = await lookups(first.metricsUrl);
    expect(after.hit - before.hit).toBeGreaterThanOrEqual(5);
    expect(after.load - before.load).toBe(0);
  });

  it('a revocation on A: inactive and refused on /v2 at once on A, within 1 s on B, which had it cached', async () => {
    const { first, secondUrl } = cluster;
    const { store, key } = await storeKey();
    const token = await mintToken(first.url, key);
    const path = `/v2/stores/${store.id}`;
    for (const url of [first.url, secondUrl]) {
      expect(await introspectsActive(url, resourceServer, token)).toBe(true);
      expect((await adminClient(url, token).get(path)).status).toBe(200);
    }
    await revoke(first.url, key, token);
    expect(await introspectsActive(first.url, resourceServer, token)).toBe(false);
    expect((await adminClient(first.url, token).get(path)).status).toBe(401);
    await within(() => introspectsActive(secondUrl, resourceServer, token), false);
    await within(async () => (await adminClient(secondUrl, token).get(path)).status, 401);
  });

  it('a revocation on B reaches A, where the token was minted and cached', async () => {
    const { first, secondUrl } = cluster;
    const { key } = await storeKey();
    const token = await mintToken(first.url, key);
    expect(await introspectsActive(first.url, resourceServer, token)).toBe(true);
    await revoke(secondUrl, key, token);
    expect(await introspectsActive(secondUrl, resourceServer, token)).toBe(false);
    await within(() => introspectsActive(first.url, resourceServer, token), false);
  });

  it("another owner's key cannot revoke a token, on either instance: it stays active on both", async () => {
    const { first, secondUrl } = cluster;
    const { key } = await storeKey();
    const { key: stranger } = await storeKey();
    const token = await mintToken(first.url, key);
    expect(await introspectsActive(secondUrl, resourceServer, token)).toBe(true); // cached on B too
    for (const url of [first.url, secondUrl]) {
      const refused = await oauthPost(url, '/token/revocation', stranger, { token });
      // oidc-provider's default policy: a client revokes only the tokens it was issued
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: expect.any(String) });
    }
    for (const url of [first.url, secondUrl])
      expect(await introspectsActive(url, resourceServer, token)).toBe(true);
  });

  it('a random token of the right shape is inactive and takes no room', async () => {
    const { first } = cluster;
    const before = await lookups(first.metricsUrl);
    const random = 'A'.repeat(44);
    expect(await introspectsActive(first.url, resourceServer, random)).toBe(false);
    expect(await introspectsActive(first.url, resourceServer, random)).toBe(false);
    const after = await lookups(first.metricsUrl);
    expect(after.load - before.load).toBe(2); // a miss is read each time, never remembered
    expect(after.hit - before.hit).toBe(0);
  });
});

describe('without Redis: cached tokens live 1 s', () => {
  let cluster: TwoInstances;
  let resourceServer: Credentials;
  beforeAll(async () => {
    cluster = await startTwoInstances();
    resourceServer = await resourceServerOf(cluster.first.runtime);
  });
  afterAll(() => cluster?.close());

  it('a revocation on the other instance takes effect within about 1 s', async () => {
    const { first, secondUrl, f } = cluster;
    const org = await f.organization(10_000);
    const store = await f.store(org.id, 1000);
    const key = await f.key({ type: 'store', id: store.id });
    const token = await mintToken(first.url, key);
    expect(await introspectsActive(first.url, resourceServer, token)).toBe(true);
    await revoke(secondUrl, key, token);
    await within(() => introspectsActive(first.url, resourceServer, token), false);
  });
});

describe('TOKEN_CACHE_SIZE=0', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ TOKEN_CACHE_SIZE: '0' });
  });
  afterAll(() => server?.close());

  it('reads every token from the database, and revocation still works', async () => {
    const f = fixtures(server.runtime, server.url);
    const org = await f.organization(10_000);
    const store = await f.store(org.id, 1000);
    const key = await f.key({ type: 'store', id: store.id });
    const caller = await resourceServerOf(server.runtime);
    const token = await mintToken(server.url, key);
    expect(await introspectsActive(server.url, caller, token)).toBe(true);
    expect(await lookups(server.metricsUrl)).toEqual({ hit: 0, load: 0 });
    await revoke(server.url, key, token);
    expect(await introspectsActive(server.url, caller, token)).toBe(false);
  });
});
