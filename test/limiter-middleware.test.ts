import { setTimeout as sleep } from 'node:timers/promises';
import http from 'node:http';
import { once } from 'node:events';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRateLimitMiddleware } from '../src/limiter/index.ts';
import { adminClient, fixtures } from './helpers/fixtures.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

let appkeys: TestServer;
let resourceServer: http.Server;
let resourceUrl: string;
let close: () => Promise<void>;
let closeReadOnly: () => Promise<void>;

beforeAll(async () => {
  appkeys = await startTestServer({ REDIS_URL: inject('redisUrl') });
  const { server: rs, secret } = await appkeys.runtime.domain.resourceServers.create(
    { kind: 'cli' },
    'orders api',
    ['orders:read', 'orders:write'],
  );
  // what a resource server of ours would write (see README "Rate limits")
  const limit = await createRateLimitMiddleware({
    redisUrl: inject('redisUrl'),
    mongodbUri: appkeys.config.mongodbUri ?? '',
    introspection: { url: `${appkeys.url}/token/introspection`, clientId: rs.clientId, clientSecret: secret },
  });
  close = limit.close;
  // an instance whose every request needs orders:read, and a route of the first needing orders:write
  const readOnly = await createRateLimitMiddleware({
    redisUrl: inject('redisUrl'),
    mongodbUri: appkeys.config.mongodbUri ?? '',
    introspection: { url: `${appkeys.url}/token/introspection`, clientId: rs.clientId, clientSecret: secret },
    requiredScopes: ['orders:read'],
  });
  closeReadOnly = readOnly.close;
  const pay = limit.withScopes(['orders:write']);
  const app = new Koa();
  app.use((ctx, next) =>
    ctx.path === '/orders/pay'
      ? pay(ctx, next)
      : ctx.path === '/orders/list'
        ? readOnly.middleware(ctx, next)
        : limit.middleware(ctx, next),
  );
  app.use((ctx) => {
    ctx.body = { orders: [], key: ctx.state.appkeys.keyId };
  });
  resourceServer = http.createServer(app.callback()).listen(0, '127.0.0.1');
  await once(resourceServer, 'listening');
  const address = resourceServer.address();
  resourceUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  resourceServer?.close();
  await close?.();
  await closeReadOnly?.();
  await appkeys?.close();
});

describe('the exported Koa rate-limit middleware', () => {
  it('lets a valid token through with RateLimit headers and refuses a bad one with 401', async () => {
    const f = fixtures(appkeys.runtime, appkeys.url);
    const org = await f.organization(100);
    const key = await f.key({ type: 'organization', id: org.id }, { reservedRateLimit: 10 });
    const ok = await fetch(`${resourceUrl}/orders`, {
      headers: { authorization: `Bearer ${await f.token(key)}` },
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ orders: [], key: key.id });
    expect(ok.headers.get('ratelimit-policy')).toBe('"key";q=10;w=1, "shared";q=90;w=1');
    // minting the token was charged too, unless 0.1 s passed since (the reservation refills at 10/s)
    expect(ok.headers.get('ratelimit')).toMatch(/^"key";r=[89];t=1$/);
    const bad = await fetch(`${resourceUrl}/orders`, { headers: { authorization: 'Bearer nope' } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('charges the same buckets as the appkeys admin API', async () => {
    const f = fixtures(appkeys.runtime, appkeys.url);
    const org = await f.organization(5);
    const key = await f.key({ type: 'organization', id: org.id });
    const token = await f.token(key);
    await sleep(1100); // minting is charged too: start from a full pool
    const statuses = await Promise.all(
      Array.from({ length: 5 }, () =>
        fetch(`${resourceUrl}/orders`, { headers: { authorization: `Bearer ${token}` } }),
      ),
    );
    expect(statuses.filter((r) => r.status === 200).length).toBe(5);
    // the pool is spent: appkeys itself now refuses the same key
    const onAppkeys = await adminClient(appkeys.url, token).get(`/v2/organizations/${org.id}`);
    expect(onAppkeys.status).toBe(429);
  });

  it('requires scopes per route and per instance: 403 insufficient_scope, charged nothing', async () => {
    const f = fixtures(appkeys.runtime, appkeys.url);
    const org = await f.organization(1);
    const reader = await f.key({ type: 'organization', id: org.id }, { scopes: ['orders:read'] });
    const token = await f.token(reader);
    await sleep(1100); // minting is charged too: start from a full pool
    const get = (path: string, bearer = token) =>
      fetch(`${resourceUrl}${path}`, { headers: { authorization: `Bearer ${bearer}` } });
    for (let i = 0; i < 3; i++) {
      const refused = await get('/orders/pay');
      expect(refused.status).toBe(403);
      expect(refused.headers.get('www-authenticate')).toBe(
        'Bearer error="insufficient_scope", scope="orders:write"',
      );
      expect(refused.headers.get('ratelimit')).toBeNull();
      expect(await refused.json()).toMatchObject({
        errors: [
          { status: 403, code: 'insufficient_scope', detail: expect.stringContaining('orders:write') },
        ],
      });
    }
    // the refusals spent nothing of the owner's 1 request per second
    expect((await get('/orders/list')).status).toBe(200);

    const otherOrg = await f.organization(1);
    const writer = await f.key({ type: 'organization', id: otherOrg.id }, { scopes: ['orders:write'] });
    const writerToken = await f.token(writer);
    await sleep(1100);
    expect((await get('/orders/list', writerToken)).status).toBe(403);
    expect((await get('/orders/pay', writerToken)).status).toBe(200);
  });

  it("takes a jwt key's tokens like opaque ones: scopes required, charged, refused once the key is deleted", async () => {
    const f = fixtures(appkeys.runtime, appkeys.url);
    const org = await f.organization(10);
    const owner = { type: 'organization' as const, id: org.id };
    const key = await f.key(owner, { scopes: ['orders:read'], tokenFormat: 'jwt' });
    const token = await f.token(key);
    expect(token.split('.')).toHaveLength(3);
    const get = (path: string, bearer: string) =>
      fetch(`${resourceUrl}${path}`, { headers: { authorization: `Bearer ${bearer}` } });
    const listed = await get('/orders/list', token);
    expect(listed.status).toBe(200);
    expect(listed.headers.get('ratelimit-policy')).toBe('"shared";q=10;w=1');
    expect((await get('/orders/pay', token)).status).toBe(403);
    // a token not yet seen (so not in the middleware's cache) of a key deleted since: refused
    const unseen = await f.token(key);
    await appkeys.runtime.domain.applicationKeys.remove({ kind: 'cli' }, owner, key.id);
    expect((await get('/orders/list', unseen)).status).toBe(401);
  });
});
