import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../src/config/env.ts';
import { freePort } from '../src/infra/free-port.ts';
import { createLogger } from '../src/infra/logger.ts';
import { openRuntime, type Runtime } from '../src/runtime.ts';
import { freshDatabaseUri } from './helpers/database.ts';
import { fixtures, ownerPath } from './helpers/fixtures.ts';
import { rawRequest } from './helpers/raw-request.ts';
import { spawnServer, type SpawnedServer } from './helpers/spawn-server.ts';

/**
 * WORKERS=2 (node:cluster) as `npm start` runs it: a primary that prepares the shared parts and
 * forks two server processes on one port, sharing the limiter through Redis.
 */
let server: SpawnedServer;
let runtime: Runtime;
let keysDir: string;
let url: string;
let metricsUrl: string;
let env: Record<string, string>;

type LogLine = { msg?: string; pid?: number; path?: string; status?: number };
const lines = (s: SpawnedServer): LogLine[] =>
  s.stdout.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
const workerPids = (s: SpawnedServer) =>
  lines(s)
    .filter((l) => l.msg === 'appkeys worker listening')
    .map((l) => l.pid ?? 0);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** A request on a connection of its own, so the cluster may hand it to either worker. */
const get = (p: string, token?: string) =>
  rawRequest(url, p, token ? { headers: { authorization: `Bearer ${token}` } } : {});

beforeAll(async () => {
  keysDir = await mkdtemp(path.join(os.tmpdir(), 'appkeys-workers-'));
  const port = await freePort();
  const metricsPort = await freePort();
  url = `http://127.0.0.1:${port}`;
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  env = {
    MONGODB_URI: freshDatabaseUri(),
    KEYS_DIR: keysDir,
    ISSUER: url,
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    REDIS_URL: inject('redisUrl'),
  };
  server = spawnServer({ ...env, WORKERS: '2' });
  await server.ready;
  runtime = await openRuntime(loadConfig(env), createLogger('silent'));
});

afterAll(async () => {
  if (server?.child.exitCode === null) await server.stop('SIGKILL');
  await runtime?.database.connection.dropDatabase();
  await runtime?.close();
  await rm(keysDir, { recursive: true, force: true });
});

describe('WORKERS=2', () => {
  it('refuses to start without REDIS_URL, naming both settings', async () => {
    const { REDIS_URL: _redis, ...withoutRedis } = env;
    const refused = spawnServer({ ...withoutRedis, PORT: '0', WORKERS: '2' });
    expect(await refused.exited).toBe(1);
    expect(refused.stderr()).toMatch(/WORKERS: 2 workers need REDIS_URL/);
  });

  it('runs two worker processes, both serving requests on the one port', async () => {
    const pids = workerPids(server);
    expect(new Set(pids).size).toBe(2);
    expect(pids).not.toContain(server.child.pid);
    for (let i = 0; i < 10; i++) expect((await get('/healthz')).status).toBe(200);
    const served = lines(server).filter((l) => l.msg === 'request' && l.path === '/healthz');
    expect(new Set(served.map((l) => l.pid))).toEqual(new Set(pids));
  });

  it('admits about N per second for a store limited to N/s across both workers, not 2N', async () => {
    const f = fixtures(runtime, url);
    const org = await f.organization(1000);
    const store = await f.store(org.id, 10);
    const token = await f.token(await f.key({ type: 'store', id: store.id }));
    const storePath = ownerPath({ type: 'store', id: store.id });
    const seconds = 3;
    const statuses: number[] = [];
    const until = Date.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (Date.now() < until) statuses.push((await get(storePath, token)).status);
      }),
    );
    const admitted = statuses.filter((s) => s === 200).length;
    expect(new Set(statuses)).toEqual(new Set([200, 429]));
    // GCRA's bound: rate x (t + 1); each worker alone would admit that much again
    expect(admitted).toBeLessThanOrEqual(10 * (seconds + 1));
    expect(admitted).toBeGreaterThanOrEqual(10 * seconds * 0.5);
    const admittedBy = lines(server).filter(
      (l) => l.msg === 'request' && l.path === storePath && l.status === 200,
    );
    expect(new Set(admittedBy.map((l) => l.pid)).size).toBe(2);
  });

  it('serves /metrics on METRICS_PORT summed over the workers', async () => {
    const f = fixtures(runtime, url);
    const org = await f.organization(1000);
    const key = await f.key({ type: 'organization', id: org.id });
    const count = async () => {
      const text = await (await fetch(metricsUrl)).text();
      return Number(
        /^appkeys_tokens_issued_total\{grant="client_credentials"\} (\d+)$/m.exec(text)?.[1] ?? 0,
      );
    };
    const before = await count();
    for (let i = 0; i < 6; i++) await f.token(key);
    expect(await count()).toBe(before + 6);
    const minted = lines(server).filter(
      (l) => l.msg === 'request' && l.path === '/token' && l.status === 200,
    );
    expect(new Set(minted.map((l) => l.pid)).size).toBe(2);
  });

  it('replaces a worker that dies', async () => {
    const [victim] = workerPids(server);
    process.kill(victim!, 'SIGKILL');
    for (let i = 0; i < 100 && workerPids(server).length < 3; i++) await sleep(100);
    const [, ...rest] = workerPids(server);
    expect(rest).toHaveLength(2);
    expect(alive(victim!)).toBe(false);
    for (let i = 0; i < 6; i++) expect((await get('/healthz')).status).toBe(200);
  });

  it('stops every process on SIGTERM', async () => {
    const pids = workerPids(server).filter(alive);
    expect(pids).toHaveLength(2);
    expect(await server.stop('SIGTERM')).toBe(0);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(lines(server).filter((l) => l.msg === 'appkeys stopped').length).toBeGreaterThanOrEqual(3);
  });
});
