import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import { adminClient, fixtures, ownerPath } from '../helpers/fixtures.ts';
import {
  bothSubscribed,
  introspectsActive,
  mintToken,
  oauthPost,
  resourceServer as resourceServerOf,
  within,
  WINDOW_MS,
  type Credentials,
} from '../helpers/key-calls.ts';
import { basic, form, rawRequest } from '../helpers/raw-request.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { startTwoInstances, type TwoInstances } from '../helpers/two-instances.ts';

/**
 * The client cache (src/oauth/client-cache.ts) over real HTTP: keys are served from memory, and a
 * change is seen at once on the instance that made it, through Redis on the others, and within
 * about 1 s without Redis. Instances run with a 60 s lifetime where Redis is configured, so a
 * missing invalidation fails every polling window below (they allow 1.5 s).
 */
const cli = { kind: 'cli' } as const;

/** The status of a client_credentials request of `key` with `secret` (its own by default). */
const mint = async (url: string, key: Credentials, secret = key.secret): Promise<number> =>
  (await oauthPost(url, '/token', { clientId: key.clientId, secret }, { grant_type: 'client_credentials' }))
    .status;

/** Counts the reads of one application key's document while `body` runs (mongoose's own debug hook). */
async function keyReadsDuring(keyId: string, body: () => Promise<void>): Promise<number> {
  let reads = 0;
  mongoose.set('debug', (collection: string, method: string, filter: unknown) => {
    if (
      collection === 'application_keys' &&
      method.startsWith('find') &&
      JSON.stringify(filter).includes(keyId)
    )
      reads++;
  });
  try {
    await body();
  } finally {
    mongoose.set('debug', false);
  }
  return reads;
}

/** A domain over the same database and keys in a runtime of its own: what `npx appkeys` opens. */
async function cliRuntime(env: Record<string, string>): Promise<Runtime> {
  return openRuntime(loadConfig(env), createLogger('silent'));
}

describe('with Redis: two instances whose cached clients live 60 s', () => {
  let cluster: TwoInstances;
  let resourceServer: Credentials;
  beforeAll(async () => {
    cluster = await startTwoInstances({
      REDIS_URL: inject('redisUrl'),
      CLIENT_CACHE_TTL_MS: '60000',
      CLIENT_CACHE_SIZE: '8',
    });
    resourceServer = await resourceServerOf(cluster.first.runtime);
    await bothSubscribed(cluster);
  });
  afterAll(() => cluster?.close());

  async function storeKey() {
    const { f } = cluster;
    const org = await f.organization(10_000);
    const store = await f.store(org.id, 1000);
    const key = await f.key({ type: 'store', id: store.id });
    const admin = adminClient(
      cluster.first.url,
      await f.token(await f.key({ type: 'organization', id: org.id })),
    );
    return { store, key, admin };
  }

  it('serves a cached key without reading the database, and reads it again once changed', async () => {
    const { first } = cluster;
    const { store, key } = await storeKey();
    const accessToken = await mintToken(first.url, key); // loads the key (and records its last use)
    const reads = await keyReadsDuring(key.id, async () => {
      for (let i = 0; i < 10; i++) {
        expect(await mint(first.url, key)).toBe(200);
        expect(await introspectsActive(first.url, resourceServer, accessToken)).toBe(true);
        expect((await adminClient(first.url, accessToken).get(ownerPath(key.owner))).status).toBe(200);
      }
    });
    expect(reads).toBe(0);
    // the counter does see the reads: a change makes the next request read the key again
    await first.runtime.domain.applicationKeys.update(cli, { type: 'store', id: store.id }, key.id, {
      name: `renamed-${randomUUID()}`,
    });
    expect(await keyReadsDuring(key.id, async () => void (await mint(first.url, key)))).toBeGreaterThan(0);
  });

  it('keeps its keys cached while a caller sends random client ids (misses take no room)', async () => {
    const { first } = cluster;
    const { key } = await storeKey();
    expect(await mint(first.url, key)).toBe(200);
    const from = `127.0.0.${2 + Math.floor(Math.random() * 250)}`; // its own failed-authentication throttle
    const statuses = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const { body, ...headers } = form({ grant_type: 'client_credentials' });
        const response = await rawRequest(first.url, '/token', {
          method: 'POST',
          headers: { ...headers, authorization: basic(`appkeys_ak_${randomUUID()}`, 'appkeys_sk_guess') },
          body,
          from,
        });
        return response.status;
      }),
    );
    expect(new Set(statuses)).toEqual(new Set([401]));
    // the cache holds 8 clients: had the 50 misses been cached, the key would have been pushed out
    expect(await keyReadsDuring(key.id, async () => void (await mint(first.url, key)))).toBe(0);
  });

  it('deleting a key on A: its tokens inactive at introspection and refused on /v2, at once on A, within 1 s on B', async () => {
    const { first, secondUrl } = cluster;
    const { store, key, admin } = await storeKey();
    const accessToken = await mintToken(first.url, key);
    const path = `/v2/stores/${store.id}`;
    for (const url of [first.url, secondUrl]) {
      expect(await introspectsActive(url, resourceServer, accessToken)).toBe(true);
      expect((await adminClient(url, accessToken).get(path)).status).toBe(200);
    }
    expect((await admin.delete(`${path}/application-keys/${key.id}`)).status).toBe(204);
    expect(await introspectsActive(first.url, resourceServer, accessToken)).toBe(false);
    expect((await adminClient(first.url, accessToken).get(path)).status).toBe(401);
    await within(() => introspectsActive(secondUrl, resourceServer, accessToken), false);
    await within(async () => (await adminClient(secondUrl, accessToken).get(path)).status, 401);
  });

  it('a key gone while its token survived (the deletion race): dead at once on A and within 1 s on B', async () => {
    const { first, secondUrl } = cluster;
    const { store, key } = await storeKey();
    const accessToken = await mintToken(first.url, key);
    const path = `/v2/stores/${store.id}`;
    for (const url of [first.url, secondUrl])
      expect(await introspectsActive(url, resourceServer, accessToken)).toBe(true);
    // only the key's document goes: the token stays stored, so only the key check can refuse it
    await first.runtime.repos.applicationKeys.remove(key.id);
    expect(await introspectsActive(first.url, resourceServer, accessToken)).toBe(false);
    expect((await adminClient(first.url, accessToken).get(path)).status).toBe(401);
    await within(() => introspectsActive(secondUrl, resourceServer, accessToken), false);
    await within(async () => (await adminClient(secondUrl, accessToken).get(path)).status, 401);
  });

  it('a rotation by the CLI with REDIS_URL reaches both instances within 1 s', async () => {
    const { first, secondUrl } = cluster;
    const { store, key } = await storeKey();
    for (const url of [first.url, secondUrl]) expect(await mint(url, key)).toBe(200);
    const runtime = await cliRuntime({ ...first.sharedEnv, REDIS_URL: inject('redisUrl') });
    try {
      const { secret } = await runtime.domain.applicationKeys.rotateSecret(
        cli,
        { type: 'store', id: store.id },
        key.id,
      );
      for (const url of [first.url, secondUrl]) {
        await within(() => mint(url, key), 401);
        expect(await mint(url, key, secret)).toBe(200);
      }
    } finally {
      await runtime.close();
    }
  });
});

describe('without Redis: cached clients live 1 s', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('a rotation and a deletion by the CLI (another process) take effect within about 1 s', async () => {
    const f = fixtures(server.runtime, server.url);
    const org = await f.organization(10_000);
    const store = await f.store(org.id, 1000);
    const owner = { type: 'store', id: store.id } as const;
    const key = await f.key(owner);
    const accessToken = await mintToken(server.url, key);
    expect(await mint(server.url, key)).toBe(200);
    const runtime = await cliRuntime(server.sharedEnv);
    try {
      const { secret } = await runtime.domain.applicationKeys.rotateSecret(cli, owner, key.id);
      const rotatedMs = await within(() => mint(server.url, key), 401);
      expect(await mint(server.url, key, secret)).toBe(200);
      await runtime.repos.applicationKeys.remove(key.id); // the key only: its token stays stored
      const path = `/v2/stores/${store.id}`;
      const deletedMs = await within(
        async () => (await adminClient(server.url, accessToken).get(path)).status,
        401,
      );
      expect(Math.max(rotatedMs, deletedMs)).toBeLessThanOrEqual(WINDOW_MS);
    } finally {
      await runtime.close();
    }
  });
});

describe('when Redis goes away and comes back', () => {
  let redis: RedisServer;
  let cluster: TwoInstances;
  const count = (lines: string[], pattern: RegExp) => lines.filter((l) => pattern.test(l)).length;
  beforeAll(async () => {
    redis = await startRedisServer();
    cluster = await startTwoInstances({ REDIS_URL: redis.url, CLIENT_CACHE_TTL_MS: '60000' });
    await within(() => Promise.resolve(count(cluster.second.stdout, /invalidations subscribed/)), 1, 10_000);
  });
  afterAll(async () => {
    await cluster?.close();
    await redis?.stop();
  });

  it('falls back to the 1 s lifetime while unsubscribed, and to messages once subscribed again', async () => {
    const { f, first, second, secondUrl } = cluster;
    const org = await f.organization(10_000);
    const store = await f.store(org.id, 1000);
    const owner = { type: 'store', id: store.id } as const;
    const key = await f.key(owner);
    expect(await mint(secondUrl, key)).toBe(200); // cached on B for 60 s
    await redis.stop();
    await within(() => Promise.resolve(count(second.stdout, /invalidations lost/)), 1, 5000);
    // the publication fails (A logs it), yet B sees the change within its 1 s lifetime
    const rotated = await first.runtime.domain.applicationKeys.rotateSecret(cli, owner, key.id);
    await within(() => mint(secondUrl, key), 401);
    expect(await mint(secondUrl, key, rotated.secret)).toBe(200);

    await redis.start();
    await within(() => Promise.resolve(count(second.stdout, /invalidations subscribed/)), 2, 10_000);
    expect(await mint(secondUrl, key, rotated.secret)).toBe(200); // cached on B for 60 s again
    const again = await first.runtime.domain.applicationKeys.rotateSecret(cli, owner, key.id);
    await within(() => mint(secondUrl, key, rotated.secret), 401);
    expect(await mint(secondUrl, key, again.secret)).toBe(200);
  });
});
