/**
 * appkeys/limiter as a user installs it: `npm pack` this package, install the tarball into a plain
 * JavaScript project (no TypeScript, no tsx), and run a Koa resource server importing it without a
 * database against a real appkeys server and Redis.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminClient, fixtures } from './helpers/fixtures.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');

let appkeys: TestServer;
let project: string;
let child: ChildProcess;
let resourceUrl: string;
let redis: Redis;

/** `npm pack` (which builds dist/ through `prepare`), then a plain project installing the tarball. */
async function installPackage(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'appkeys-library-'));
  const { stdout } = await run('npm', ['pack', '--pack-destination', dir], { cwd: root, maxBuffer: 1 << 26 });
  const tarball = stdout.trim().split('\n').at(-1)!;
  await writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({
      name: 'orders-api',
      private: true,
      type: 'module',
      dependencies: { appkeys: `file:./${tarball}`, koa: '^3.3.0' },
    }),
  );
  await copyFile(path.join(root, 'test/library-package/orders-api.mjs'), path.join(dir, 'orders-api.mjs'));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: dir,
    maxBuffer: 1 << 26,
  });
  return dir;
}

beforeAll(async () => {
  [appkeys, project] = await Promise.all([
    startTestServer({ REDIS_URL: inject('redisUrl') }),
    installPackage(),
  ]);
  redis = new Redis(inject('redisUrl'));
  const { server: rs, secret } = await appkeys.runtime.domain.resourceServers.create(
    { kind: 'cli' },
    'orders api',
    ['orders:read'],
  );
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  child = spawn(process.execPath, ['orders-api.mjs'], {
    cwd: project,
    env: {
      ...env,
      REDIS_URL: inject('redisUrl'),
      INTROSPECTION_URL: `${appkeys.url}/token/introspection`,
      RS_CLIENT_ID: rs.clientId,
      RS_CLIENT_SECRET: secret,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  resourceUrl = `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;
}, 300_000);

afterAll(async () => {
  child?.kill('SIGTERM');
  redis?.disconnect();
  await appkeys?.close();
  if (project) await rm(project, { recursive: true, force: true });
});

describe('appkeys/limiter installed from its tarball into a plain JavaScript project', () => {
  it('limits requests without a database: 200 within the limit, 429 past it, 401 without a token', async () => {
    const f = fixtures(appkeys.runtime, appkeys.url);
    const org = await f.organization(1);
    const key = await f.key({ type: 'organization', id: org.id });
    const token = await f.token(key);
    const get = (bearer?: string) =>
      fetch(`${resourceUrl}/orders`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });

    await get(token); // introspection answer cached from here on
    await sleep(1100); // minting and that request were charged: start from a full pool
    const burst = await Promise.all([get(token), get(token), get(token)]);
    expect(burst.map((r) => r.status).sort()).toEqual([200, 429, 429]);
    const ok = burst.find((r) => r.status === 200)!;
    expect(await ok.json()).toEqual({ orders: [], key: key.id });
    expect(ok.headers.get('ratelimit-policy')).toBe('"shared";q=1;w=1');
    const refused = burst.find((r) => r.status === 429)!;
    expect(refused.headers.get('retry-after')).toBe('1');

    const anonymous = await get();
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect((await get('not-a-token')).status).toBe(401);
  });

  it('refuses with 503 while Redis holds no limits for the owner, until appkeys publishes them again', async () => {
    const f = fixtures(appkeys.runtime, appkeys.url);
    const org = await f.organization(5);
    const key = await f.key({ type: 'organization', id: org.id });
    const token = await f.token(key);
    const get = () => fetch(`${resourceUrl}/orders`, { headers: { authorization: `Bearer ${token}` } });
    expect((await get()).status).toBe(200);

    // the configuration hash expired (or Redis was flushed): nothing to limit by, so nothing passes
    await redis.del(`appkeys:rl:{organization:${org.id}}:cfg`);
    const unavailable = await get();
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('1');
    expect(await unavailable.json()).toMatchObject({
      errors: [{ status: 503, detail: expect.stringContaining('not available yet') }],
    });

    // the owner's next request on appkeys reloads the limits from its database and republishes them
    expect((await adminClient(appkeys.url, token).get(`/v2/organizations/${org.id}`)).status).toBe(200);
    expect(await redis.hget(`appkeys:rl:{organization:${org.id}}:cfg`, 'limit')).toBe('5');
    expect((await get()).status).toBe(200);
  });

  it('never loads mongoose', async () => {
    const modules = await (await fetch(`${resourceUrl}/modules`)).json();
    expect(modules).toEqual({ ioredis: true, mongoose: false });
  });
});
