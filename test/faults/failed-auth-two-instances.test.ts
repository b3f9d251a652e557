import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLEAN_FOR_MS } from '../../src/oauth/failed-auth-throttle.ts';
import type { KeyFixture } from '../helpers/fixtures.ts';
import { basic, form, rawRequest } from '../helpers/raw-request.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.ts';
import { startTwoInstances, type TwoInstances } from '../helpers/two-instances.ts';

/**
 * The failed client-authentication throttle of two instances sharing one Redis (a private one, so
 * that its command counts are this suite's alone). Failures count everywhere at once, so a caller
 * locked out through one instance is locked out on the other; and a caller that does not fail
 * costs at most one read of its counters per second and instance, not one per request.
 */
let redis: RedisServer;
let two: TwoInstances;
let urls: { first: string; second: string };
let address = 20;
/** A fresh loopback source address: each case has counters of its own. */
const nextAddress = () => `127.0.0.${++address}`;

beforeAll(async () => {
  redis = await startRedisServer();
  two = await startTwoInstances({ REDIS_URL: redis.url });
  urls = { first: two.first.url, second: two.secondUrl };
}, 120_000);
afterAll(async () => {
  await two?.close();
  await redis?.stop();
});

async function key(): Promise<KeyFixture> {
  const org = await two.f.organization(1000);
  return two.f.key({ type: 'organization', id: org.id });
}

const tokenRequest = (url: string, k: KeyFixture, secret: string, from: string) => {
  const { body, ...headers } = form({ grant_type: 'client_credentials' });
  return rawRequest(url, '/token', {
    method: 'POST',
    from,
    headers: { ...headers, authorization: basic(k.clientId, secret) },
    body,
  });
};

async function fail(url: string, k: KeyFixture, from: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++)
    expect((await tokenRequest(url, k, 'appkeys_sk_wrong', from)).status).toBe(401);
}

async function expectLockedOut(url: string, k: KeyFixture, from: string): Promise<void> {
  const refused = await tokenRequest(url, k, k.secret, from); // even with the right secret
  expect(refused.status).toBe(429);
  expect(refused.body).toMatchObject({ error: 'slow_down' });
  expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
}

describe('failed client authentication across two instances sharing Redis', () => {
  it('10 failures through one instance lock the caller out on the other, right secret included', async () => {
    const k = await key();
    const from = nextAddress();
    await fail(urls.first, k, from, 10);
    await expectLockedOut(urls.first, k, from);
    await expectLockedOut(urls.second, k, from);
    // the same key from another address is not affected, on either instance
    expect((await tokenRequest(urls.second, k, k.secret, nextAddress())).status).toBe(200);
  });

  it('failures spread over both instances add up', async () => {
    const k = await key();
    const from = nextAddress();
    for (let i = 0; i < 5; i++) {
      await fail(urls.first, k, from, 1);
      await fail(urls.second, k, from, 1);
    }
    await expectLockedOut(urls.first, k, from);
    await expectLockedOut(urls.second, k, from);
  });

  it('an instance that just saw the caller succeed trusts that for a second at most', async () => {
    const k = await key();
    const from = nextAddress();
    expect((await tokenRequest(urls.second, k, k.secret, from)).status).toBe(200);
    await fail(urls.first, k, from, 10);
    await sleep(CLEAN_FOR_MS);
    await expectLockedOut(urls.second, k, from);
  });

  it('a guess at an instance that just saw the caller succeed is counted, and is its last there', async () => {
    const k = await key();
    const from = nextAddress();
    expect((await tokenRequest(urls.second, k, k.secret, from)).status).toBe(200);
    await fail(urls.first, k, from, 10);
    // 401 when the second instance still trusts its clean read (the guess then tells it), else 429
    expect([401, 429]).toContain((await tokenRequest(urls.second, k, 'appkeys_sk_wrong', from)).status);
    await expectLockedOut(urls.second, k, from);
  });
});

describe('a caller that does not fail', () => {
  it('costs at most one read of its counters per second and instance, not one per request', async () => {
    const k = await key();
    const from = nextAddress();
    const counter = new Redis(redis.url);
    try {
      // rate-limiter-flexible reads a counter with MULTI GET PTTL; nothing else on this path sends
      // PTTL (the limiter's script runs GET inside Redis, which commandstats counts as GET)
      const reads = async () => {
        const stats = await counter.info('commandstats');
        return Number(/cmdstat_pttl:calls=(\d+)/.exec(stats)?.[1] ?? 0);
      };
      const before = await reads();
      const started = performance.now();
      const requests = 20;
      for (let i = 0; i < requests; i++)
        expect((await tokenRequest(urls.first, k, k.secret, from)).status).toBe(200);
      const seconds = Math.ceil((performance.now() - started) / 1000);
      const read = (await reads()) - before;
      // two counters (client, address) read at most once per second; before, both on every request
      expect(read).toBeGreaterThanOrEqual(2);
      expect(read).toBeLessThanOrEqual(2 * (seconds + 1));
      expect(read).toBeLessThan(2 * requests);
    } finally {
      counter.disconnect();
    }
  });
});
