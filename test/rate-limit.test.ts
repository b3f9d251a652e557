import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../src/infra/free-port.ts';
import { adminClient, fixtures } from './helpers/fixtures.ts';
import { spawnServer, type SpawnedServer } from './helpers/spawn-server.ts';
import { startRedisServer, type RedisServer } from './helpers/redis-server.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';
import { signIn } from './helpers/sign-in.ts';

type Api = ReturnType<typeof adminClient>;

/** Fires `count` requests at once; returns the statuses, the RateLimit headers and how long it took. */
async function burst(apis: Api[], path: string, count: number) {
  const started = performance.now();
  const responses = await Promise.all(
    Array.from({ length: count }, (_, i) => apis[i % apis.length]!.get(path)),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    admitted: responses.filter((r) => r.status === 200).length,
    refused: responses.filter((r) => r.status === 429).length,
    pools: responses.map((r) => /^"(\w+)"/.exec(r.headers.get('ratelimit') ?? '')?.[1]),
    responses,
    seconds,
  };
}

/** GCRA's bound: at most rate x (t + 1) over t seconds (plus one for rounding at the edges). */
const bound = (rate: number, seconds: number) => Math.floor(rate * (1 + seconds)) + 1;

async function storeWithKeys(f: ReturnType<typeof fixtures>, limit: number, reservation: number) {
  const org = await f.organization(10_000);
  const store = await f.store(org.id, limit);
  const reserved = await f.key({ type: 'store', id: store.id }, { reservedRateLimit: reservation });
  const unreserved = await f.key({ type: 'store', id: store.id });
  return { store, reserved, unreserved, path: `/v2/stores/${store.id}` };
}

describe('one instance, in-process limiter', () => {
  let server: TestServer;
  let f: ReturnType<typeof fixtures>;
  beforeAll(async () => {
    server = await startTestServer();
    f = fixtures(server.runtime, server.url);
  });
  afterAll(() => server?.close());

  it('charges the reservation first, then the shared pool, naming the pool in the headers', async () => {
    const { reserved, path } = await storeWithKeys(f, 10, 4);
    const api = adminClient(server.url, await f.token(reserved));
    await sleep(1100); // minting is charged too: start from a full reservation
    const first = await api.get(path);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"key";q=4;w=1, "shared";q=6;w=1');
    expect(first.headers.get('ratelimit')).toMatch(/^"key";r=3;t=1$/);
    // the reservation's 3 left (and whatever refills meanwhile) go first, then the shared pool
    const result = await burst([api], path, 8);
    expect(result.admitted).toBe(8);
    expect(result.pools.filter((pool) => pool === 'key').length).toBeGreaterThanOrEqual(3);
    expect(result.pools).toContain('shared');
  });

  it('lets unreserved keys draw only on the shared pool, then answers 429 with Retry-After and the errors body', async () => {
    const { unreserved, reserved, path } = await storeWithKeys(f, 10, 4);
    const api = adminClient(server.url, await f.token(unreserved));
    const reservedApi = adminClient(server.url, await f.token(reserved));
    await sleep(1100); // minting is charged too: start from full pools
    const result = await burst([api], path, 20);
    expect(result.admitted).toBeGreaterThanOrEqual(6);
    expect(result.admitted).toBeLessThanOrEqual(bound(6, result.seconds));
    expect(result.pools.every((pool) => pool === 'shared')).toBe(true);
    const refused = result.responses.find((r) => r.status === 429)!;
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('ratelimit')).toMatch(/^"shared";r=0;t=\d+$/);
    expect(refused.headers.get('ratelimit-policy')).toBe('"shared";q=6;w=1');
    expect(refused.body.errors[0]).toMatchObject({
      status: 429,
      title: 'Too Many Requests',
      code: 'rate_limited',
    });
    // the reserved key still gets its reservation while the shared pool is spent
    const own = await burst([reservedApi], path, 4);
    expect(own.admitted).toBe(4);
    expect(own.pools).toEqual(['key', 'key', 'key', 'key']);
  });

  it('keeps the owner total within its limit when all keys hammer it', async () => {
    const { reserved, unreserved, path } = await storeWithKeys(f, 10, 4);
    const apis = [
      adminClient(server.url, await f.token(reserved)),
      adminClient(server.url, await f.token(unreserved)),
    ];
    await sleep(1100); // minting the two tokens was charged too: start from full pools
    const result = await burst(apis, path, 60);
    expect(result.admitted).toBeGreaterThanOrEqual(10);
    expect(result.admitted).toBeLessThanOrEqual(bound(10, result.seconds));
  });

  it('charges nothing for a refused request', async () => {
    const { unreserved, path } = await storeWithKeys(f, 1, 0);
    const api = adminClient(server.url, await f.token(unreserved));
    await sleep(1100); // minting is charged too
    expect((await api.get(path)).status).toBe(200);
    const refused = await burst([api], path, 15);
    expect(refused.admitted).toBeLessThanOrEqual(bound(1, refused.seconds) - 1);
    // had the refusals been charged, the bucket would be 15 s in debt
    await sleep(1100);
    expect((await api.get(path)).status).toBe(200);
  });

  it('refuses storefront tokens the admin API without spending their key or the owner (DESIGN.md section 6)', async () => {
    const org = await f.organization(10_000);
    const store = await f.store(org.id, 10);
    const key = await f.key(
      { type: 'store', id: store.id },
      { reservedRateLimit: 2, allowedOrigins: ['https://shop.example'] },
    );
    const path = `/v2/stores/${store.id}`;
    const storefront = adminClient(server.url, await f.implicitToken(key));
    const own = adminClient(server.url, await f.token(key));
    await sleep(1100); // minting is charged: let the reservation fill up again
    const result = await burst([storefront], path, 12);
    expect(result.responses.map((r) => r.status)).toEqual(Array(12).fill(403));
    expect(result.responses.every((r) => r.headers.get('ratelimit') === null)).toBe(true);
    // the key's reservation is whole: its own next request is charged to it, from the top
    const first = await own.get(path);
    expect(first.headers.get('ratelimit')).toBe('"key";r=1;t=1');
  });

  it("charges people's requests to the shared pool of the owner they act on", async () => {
    const { store, path } = await storeWithKeys(f, 10, 4);
    const email = `limited-${Date.now()}@example.com`;
    await server.runtime.domain.users.create({ kind: 'cli' }, { email, password: 'correct horse battery' });
    await server.runtime.domain.memberships.add(
      { kind: 'cli' },
      { type: 'store', id: store.id },
      { email, role: 'store_admin' },
    );
    const api = adminClient(
      server.url,
      (await signIn(server.config.issuer, email, 'correct horse battery')).access_token,
    );
    const response = await api.get(path);
    expect(response.status).toBe(200);
    expect(response.headers.get('ratelimit-policy')).toBe('"shared";q=6;w=1');
    expect(response.headers.get('ratelimit')).toMatch(/^"shared";r=5;t=1$/);
    const result = await burst([api], path, 12);
    expect(result.refused).toBeGreaterThanOrEqual(1);
    expect((await api.get('/v2/me')).headers.get('ratelimit')).toBeNull();
  });

  it('counts decisions per owner and pool in /metrics', async () => {
    const { store, reserved, path } = await storeWithKeys(f, 10, 1);
    const api = adminClient(server.url, await f.token(reserved));
    await burst([api], path, 30);
    const metrics = await (await fetch(server.metricsUrl)).text();
    const count = (pool: string) =>
      Number(
        new RegExp(
          `appkeys_limiter_decisions_total\\{owner_type="store",owner_id="${store.id}",pool="${pool}"\\} (\\d+)`,
        ).exec(metrics)?.[1] ?? 0,
      );
    expect(count('reserved')).toBeGreaterThanOrEqual(1);
    expect(count('shared')).toBeGreaterThanOrEqual(9);
    expect(count('refused')).toBeGreaterThanOrEqual(1);
    // the 30 requests and the minting of the token
    expect(count('reserved') + count('shared') + count('refused')).toBe(31);
    expect(metrics).toMatch(/appkeys_tokens_issued_total\{grant="client_credentials"\} \d+/);
    expect(metrics).toMatch(/appkeys_limiter_decision_seconds_bucket/);
  });
});

describe('two server processes sharing Redis', () => {
  let first: TestServer;
  let second: SpawnedServer;
  let secondUrl: string;
  let f: ReturnType<typeof fixtures>;
  beforeAll(async () => {
    first = await startTestServer({ REDIS_URL: inject('redisUrl') });
    f = fixtures(first.runtime, first.url);
    const port = await freePort();
    second = spawnServer({ ...first.sharedEnv, REDIS_URL: inject('redisUrl'), PORT: String(port) });
    await second.ready;
    secondUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await second?.stop();
    await first?.close();
  });

  it('enforce one limit between them', async () => {
    const { unreserved, path } = await storeWithKeys(f, 10, 0);
    const token = await f.token(unreserved);
    await sleep(1100); // minting was charged too: start from a full pool
    const result = await burst([adminClient(first.url, token), adminClient(secondUrl, token)], path, 40);
    expect(result.admitted).toBeGreaterThanOrEqual(10);
    expect(result.admitted).toBeLessThanOrEqual(bound(10, result.seconds));
  });

  it('apply a reservation change and a key deletion made on one instance on the other within a second', async () => {
    const { store, reserved, unreserved, path } = await storeWithKeys(f, 10, 2);
    const onFirst = adminClient(first.url, await f.token(unreserved));
    const reservedToken = await f.token(reserved);
    const onSecond = adminClient(secondUrl, reservedToken);
    expect((await onSecond.get(path)).headers.get('ratelimit-policy')).toBe(
      '"key";q=2;w=1, "shared";q=8;w=1',
    );

    const changed = await onFirst.patch(`/v2/stores/${store.id}/application-keys/${reserved.id}`, {
      data: { reserved_rate_limit: 5 },
    });
    expect(changed.status).toBe(200);
    const started = Date.now();
    let policy = '';
    while (Date.now() - started < 1000 && policy !== '"key";q=5;w=1, "shared";q=5;w=1')
      policy = (await onSecond.get(path)).headers.get('ratelimit-policy') ?? '';
    expect(policy).toBe('"key";q=5;w=1, "shared";q=5;w=1');

    expect((await onFirst.delete(`/v2/stores/${store.id}/application-keys/${reserved.id}`)).status).toBe(204);
    expect((await onSecond.get(path)).status).toBe(401);
    expect((await onFirst.get(path)).headers.get('ratelimit-policy')).toBe('"shared";q=10;w=1');
  });

  it('reload the configuration from the database when Redis lost it', async () => {
    const { reserved, path } = await storeWithKeys(f, 10, 3);
    const api = adminClient(secondUrl, await f.token(reserved));
    expect((await api.get(path)).status).toBe(200);
    const redis = new Redis(inject('redisUrl'));
    await redis.flushall();
    await redis.quit();
    const after = await api.get(path);
    expect(after.status).toBe(200);
    expect(after.headers.get('ratelimit-policy')).toBe('"key";q=3;w=1, "shared";q=7;w=1');
  });
});

describe('Redis going away and coming back', () => {
  let redis: RedisServer;
  let server: TestServer;
  let f: ReturnType<typeof fixtures>;
  beforeAll(async () => {
    redis = await startRedisServer();
    // a generous command timeout: on a loaded test machine 100 ms timeouts fire without any fault
    // (and each starts a new outage); a stopped Redis fails commands at once anyway
    server = await startTestServer({
      REDIS_URL: redis.url,
      EXPECTED_INSTANCES: '2',
      REDIS_COMMAND_TIMEOUT_MS: '1000',
    });
    f = fixtures(server.runtime, server.url);
  });
  afterAll(async () => {
    await server?.close();
    await redis?.stop();
  });

  it('keeps answering with this instance share of the limit, warns once, and returns to Redis', async () => {
    const { unreserved, path } = await storeWithKeys(f, 20, 0);
    const api = adminClient(server.url, await f.token(unreserved));
    expect((await api.get(path)).status).toBe(200);

    await redis.stop();
    const started = performance.now();
    // the outage starts with the twin's buckets nearly spent (what Redis admitted is unknown)
    const opening = await burst([api], path, 10);
    expect(opening.admitted).toBeLessThanOrEqual(bound(10, opening.seconds) - 10);
    await sleep(1100);
    const during = await burst([api], path, 30);
    expect(during.responses.every((r) => r.status === 200 || r.status === 429)).toBe(true);
    // half of 20 per second while Redis is away (EXPECTED_INSTANCES=2)
    expect(during.admitted).toBeGreaterThanOrEqual(10);
    expect(during.admitted).toBeLessThanOrEqual(bound(10, during.seconds));
    expect(performance.now() - started).toBeLessThan(6000);
    const warnings = () => server.logs.filter((line) => line.includes('Redis unreachable')).length;
    expect(warnings()).toBe(1);

    await redis.start();
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !server.logs.some((line) => line.includes('Redis is reachable again'))) {
      await api.get(path);
      await sleep(100);
    }
    expect(server.logs.some((line) => line.includes('Redis is reachable again'))).toBe(true);
    expect(warnings()).toBe(1);
    await sleep(1100);
    const back = await burst([api], path, 40);
    expect(back.admitted).toBeGreaterThanOrEqual(20);
    expect(back.admitted).toBeLessThanOrEqual(bound(20, back.seconds));
  });
});
