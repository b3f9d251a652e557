import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../src/limiter/redis-script.ts';
import { adminClient, type KeyFixture } from '../helpers/fixtures.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.ts';
import { runCli } from '../helpers/run-cli.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { startTwoInstances, type TwoInstances } from '../helpers/two-instances.ts';

const TTL_MS = 4000;

let redis: RedisServer;
let client: Redis;
/** Between the first instance (and its fixtures' runtime) and Redis: cut it to fail their publications. */
let proxy: TcpProxy;
let cluster: TwoInstances;
beforeAll(async () => {
  redis = await startRedisServer();
  client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  client.on('error', () => undefined); // while the test stops Redis
  proxy = await startTcpProxy(redis.port);
  cluster = await startTwoInstances(
    { REDIS_URL: redis.url, REDIS_LIMITS_TTL_MS: String(TTL_MS) },
    { REDIS_URL: `redis://127.0.0.1:${proxy.port}` },
  );
});
afterAll(async () => {
  await cluster?.close();
  client?.disconnect();
  await proxy?.close();
  await redis?.stop();
});

async function storeWithKey(limit: number, reservation: number) {
  const { f } = cluster;
  const org = await f.organization(10_000);
  const store = await f.store(org.id, limit);
  const key = await f.key({ type: 'store', id: store.id }, { reservedRateLimit: reservation });
  return { store, key, path: `/v2/stores/${store.id}` };
}

/** Polls `url` with the key's token until the RateLimit-Policy is `policy`; resolves the ms it took. */
async function appliedWithin(url: string, token: string, path: string, policy: string, maxMs: number) {
  const api = adminClient(url, token);
  const started = Date.now();
  let seen = '';
  while (Date.now() - started < maxMs) {
    seen = (await api.get(path)).headers.get('ratelimit-policy') ?? '';
    if (seen === policy) return Date.now() - started;
    await sleep(50);
  }
  throw new Error(`after ${maxMs} ms the policy is still ${seen}, not ${policy}`);
}

/** Drops the owner's configuration and lets `url` publish it again, so its TTL starts now. */
async function republishNow(url: string, token: string, path: string, key: KeyFixture) {
  await client.del(redisKeys(`store:${key.owner.id}`, '').config);
  expect((await adminClient(url, token).get(path)).status).toBe(200);
  return Date.now();
}

describe('limits held in Redis heal', () => {
  it('keeps them for the configured TTL only', async () => {
    const { key, path } = await storeWithKey(10, 2);
    const token = await cluster.f.token(key);
    await republishNow(cluster.secondUrl, token, path, key);
    const ttl = await client.pttl(redisKeys(`store:${key.owner.id}`, '').config);
    expect(ttl).toBeGreaterThan(TTL_MS - 1000);
    expect(ttl).toBeLessThanOrEqual(TTL_MS);
  });

  it('apply a change whose publication failed on every instance within the TTL', async () => {
    const { store, key, path } = await storeWithKey(10, 2);
    const token = await cluster.f.token(key);
    const published = await republishNow(cluster.secondUrl, token, path, key);

    // the CLI-like runtime of the first instance loses Redis while it changes the reservation
    proxy.block();
    const changed = await cluster.first.runtime.domain.applicationKeys
      .update({ kind: 'cli' }, { type: 'store', id: store.id }, key.id, { reservedRateLimit: 5 })
      .finally(() => proxy.unblock());
    expect(changed.key.reservedRateLimit).toBe(5);
    expect(cluster.first.logs.some((line) => line.includes('publishing rate limits failed'))).toBe(true);
    // the old hash is still in Redis: the other instance applies it until it expires
    const stale = await adminClient(cluster.secondUrl, token).get(path);
    if (Date.now() < published + TTL_MS - 500)
      expect(stale.headers.get('ratelimit-policy')).toBe('"key";q=2;w=1, "shared";q=8;w=1');

    // that runtime never decides, so nothing republishes it but the TTL: applied within the TTL
    await appliedWithin(cluster.secondUrl, token, path, '"key";q=5;w=1, "shared";q=5;w=1', TTL_MS + 2000);
    expect(Date.now() - published).toBeLessThanOrEqual(TTL_MS + 1000);
  });

  it('republish a failed publication as soon as the instance that made it reaches Redis again', async () => {
    const { key, path } = await storeWithKey(10, 2);
    const token = await cluster.f.token(key);
    await republishNow(cluster.first.url, token, path, key);
    const onFirst = adminClient(cluster.first.url, token);

    proxy.block();
    const patched = await onFirst.patch(`${path}/application-keys/${key.id}`, {
      data: { reserved_rate_limit: 6 },
    });
    expect(patched.status).toBe(200);
    // still cut off: the other instance applies the old limits
    expect((await adminClient(cluster.secondUrl, token).get(path)).headers.get('ratelimit-policy')).toBe(
      '"key";q=2;w=1, "shared";q=8;w=1',
    );
    proxy.unblock();
    const back = Date.now();
    // the first instance's next decisions reach Redis and republish; the other applies it within 1 s
    const policy = '"key";q=6;w=1, "shared";q=4;w=1';
    const onSecond = adminClient(cluster.secondUrl, token);
    let seen = '';
    while (Date.now() - back < 3000 && seen !== policy) {
      await onFirst.get(path);
      seen = (await onSecond.get(path)).headers.get('ratelimit-policy') ?? '';
    }
    expect(seen).toBe(policy);
    expect(Date.now() - back).toBeLessThan(1000);
  });

  it('bring a store whose Redis lost everything back to its limits at once when Redis returns', async () => {
    const { store, key, path } = await storeWithKey(10, 2);
    const token = await cluster.f.token(key);
    await redis.stop();
    await cluster.first.runtime.domain.organizations.updateStore({ kind: 'cli' }, store.id, {
      rateLimit: 20,
    });
    await redis.start();
    const ms = await appliedWithin(cluster.secondUrl, token, path, '"key";q=2;w=1, "shared";q=18;w=1', 3000);
    expect(ms).toBeLessThan(1000);
  });
});

describe('the CLI', () => {
  it('publishes to Redis when REDIS_URL is set: a running server applies the change within 1 s', async () => {
    const { store, key, path } = await storeWithKey(10, 0);
    const token = await cluster.f.token(key);
    await republishNow(cluster.secondUrl, token, path, key);
    const result = await runCli(
      ['key', 'create', '--store', store.id, '--name', 'cli-reserved', '--reserved-rate-limit', '4'],
      { ...cluster.first.sharedEnv, REDIS_URL: redis.url, REDIS_LIMITS_TTL_MS: '30000' },
    );
    expect(result.code).toBe(0);
    // the hash was republished with the CLI's TTL (30 s), not reloaded when the server's expired
    expect(await client.pttl(redisKeys(`store:${store.id}`, '').config)).toBeGreaterThan(TTL_MS);
    const ms = await appliedWithin(cluster.secondUrl, token, path, '"shared";q=6;w=1', 1000);
    expect(ms).toBeLessThan(1000);
  });

  it('without REDIS_URL, its change is applied when the configuration expires (within the TTL)', async () => {
    const { store, key, path } = await storeWithKey(10, 0);
    const token = await cluster.f.token(key);
    await republishNow(cluster.secondUrl, token, path, key);
    const result = await runCli(
      ['key', 'create', '--store', store.id, '--name', 'cli-reserved', '--reserved-rate-limit', '3'],
      cluster.first.sharedEnv,
    );
    expect(result.code).toBe(0);
    // the change was written before the CLI exited; the hash then in Redis lives one TTL at most
    const ms = await appliedWithin(cluster.secondUrl, token, path, '"shared";q=7;w=1', TTL_MS + 2000);
    expect(ms).toBeLessThanOrEqual(TTL_MS + 1000);
  });
});
