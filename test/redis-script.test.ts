import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { vectors } from '../src/limiter/gcra-vectors.ts';
import { DECIDE_SCRIPT, PUBLISH_SCRIPT, redisKeys } from '../src/limiter/redis-script.ts';
import { createRedisBuckets } from '../src/limiter/redis-buckets.ts';
import { limitsFrom } from '../src/limiter/limits.ts';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => redis?.quit());

/** The production script with Redis TIME replaced by a clock passed in ARGV[6], ARGV[7]. */
const clocked = DECIDE_SCRIPT.replace("local time = redis.call('TIME')", 'local time = {ARGV[6], ARGV[7]}');

describe('the Redis script (shared vectors, with an injected clock)', () => {
  it('replaces exactly the TIME call', () => {
    expect(clocked).not.toBe(DECIDE_SCRIPT);
    expect(clocked).not.toContain("'TIME'");
  });

  it.each(vectors)('$name', async ({ name, limits, steps }) => {
    const owner = `vector:${name}:${Math.random()}`;
    const parsed = limitsFrom(limits.limit, Object.entries(limits.reservations));
    const pairs = [...parsed.reservations].flatMap(([k, v]) => [k, v]);
    await redis.eval(
      PUBLISH_SCRIPT,
      1,
      redisKeys(owner, '').config,
      60_000,
      'replace',
      parsed.limit,
      parsed.reserved,
      ...pairs,
    );
    const base = 1_800_000_000_000_000; // a realistic epoch in µs
    for (const [i, step] of steps.entries()) {
      const keys = redisKeys(owner, step.key);
      const now = base + step.at;
      const reply = (await redis.eval(
        clocked,
        3,
        keys.config,
        keys.key,
        keys.shared,
        step.key,
        step.cost ?? 1,
        'consume',
        0,
        0,
        Math.floor(now / 1e6),
        now % 1e6,
      )) as number[];
      const decision = { step: i, allowed: reply[0] === 1, pool: reply[1] === 1 ? 'key' : 'shared' };
      expect(decision).toEqual({ step: i, allowed: step.expect.allowed, pool: step.expect.pool });
      if (step.expect.remaining !== undefined) expect(reply[2]).toBe(step.expect.remaining);
    }
  });
});

describe('the Redis buckets', () => {
  it('report a missing configuration instead of deciding', async () => {
    const buckets = createRedisBuckets(redis.duplicate());
    expect(await buckets.decide(`nothing:${Math.random()}`, 'k', 1)).toBeUndefined();
  });

  it('decide with the real clock after publishing, and write nothing on refusal', async () => {
    const buckets = createRedisBuckets(redis.duplicate());
    const owner = `real:${Math.random()}`;
    await buckets.publish(owner, limitsFrom(2, [['r', 1]]));
    expect(await buckets.decide(owner, 'r', 1)).toMatchObject({
      allowed: true,
      pool: 'key',
      keyQuota: 1,
      sharedQuota: 1,
    });
    expect(await buckets.decide(owner, 'r', 1)).toMatchObject({ allowed: true, pool: 'shared' });
    const before = await redis.get(redisKeys(owner, 'r').shared);
    const refused = await buckets.decide(owner, 'r', 1);
    expect(refused).toMatchObject({ allowed: false, pool: 'key' });
    expect(refused!.retryAfterUs).toBeGreaterThan(0);
    expect(await redis.get(redisKeys(owner, 'r').shared)).toBe(before);
    expect(await buckets.usage(owner, 'r')).toEqual({ key: 1, shared: 1 });
  });

  it('hold the configuration for its TTL only, so a lost publication cannot outlive it', async () => {
    const buckets = createRedisBuckets(redis.duplicate(), { configTtlMs: 300 });
    const owner = `ttl:${Math.random()}`;
    expect(await buckets.publish(owner, limitsFrom(5, []))).toBe(true);
    const ttl = await redis.pttl(redisKeys(owner, '').config);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(300);
    expect(await buckets.decide(owner, 'k', 1)).toMatchObject({ allowed: true });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await buckets.decide(owner, 'k', 1)).toBeUndefined();
  });

  it('let a reload fill a missing configuration but never overwrite a published change', async () => {
    const buckets = createRedisBuckets(redis.duplicate());
    const owner = `fill:${Math.random()}`;
    expect(await buckets.publish(owner, limitsFrom(7, []), 'fill')).toBe(true);
    expect(await buckets.publish(owner, limitsFrom(3, []), 'replace')).toBe(true);
    expect(await buckets.publish(owner, limitsFrom(7, []), 'fill')).toBe(false);
    expect(await buckets.decide(owner, 'k', 1)).toMatchObject({ sharedQuota: 3 });
  });

  it('carry the largest debt into a bucket, capped at a spent bucket, even when the request is refused', async () => {
    const buckets = createRedisBuckets(redis.duplicate());
    const owner = `debt:${Math.random()}`;
    await buckets.publish(owner, limitsFrom(10, []));
    // half a second of debt at 10/s: 5 requests already admitted elsewhere, 5 of the burst left
    const first = await buckets.decide(owner, 'k', 1, { keyUs: 0, sharedUs: 500_000 });
    expect(first).toMatchObject({ allowed: true, remaining: 4 });
    // a smaller estimate from another instance changes nothing (the largest wins)
    expect(await buckets.decide(owner, 'k', 1, { keyUs: 0, sharedUs: 100_000 })).toMatchObject({
      allowed: true,
      remaining: 3,
    });
    // a debt beyond a spent bucket is capped: the request is refused and the bucket is exactly spent
    const refused = await buckets.decide(owner, 'k', 1, { keyUs: 0, sharedUs: 5_000_000 });
    expect(refused).toMatchObject({ allowed: false });
    expect(refused!.retryAfterUs).toBeLessThanOrEqual(100_000);
    expect(await buckets.usage(owner, 'k')).toMatchObject({ shared: 10 });
  });
});
