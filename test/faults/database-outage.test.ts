import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import { freePort } from '../../src/infra/free-port.ts';
import { waitUntil } from '../../src/infra/ferretdb/process-tools.ts';
import { collectionName } from '../../src/oauth/adapter-models.ts';
import type { StoredRecord } from '../../src/oauth/adapter.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { capturedLogger } from '../helpers/captured-logs.ts';
import { fixtures, ownerPath } from '../helpers/fixtures.ts';
import { runCli } from '../helpers/run-cli.ts';
import { databaseBehindProxy, type OutageProxy } from '../helpers/outage-proxy.ts';
import { startConsoleSignIn } from '../helpers/sign-in.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * When the database stops answering (refused, black-holed, or its process frozen), every request
 * that needs it answers 503 with Retry-After within a few seconds (the driver timeouts are 2 s),
 * never 500 and never a hang; /readyz says so; and everything works again once the database is
 * back, with no restart. The bound asserted (5 s) is loose on purpose: what matters is no hang.
 */
const BOUND_MS = 5000;

type Answer = { name: string; status: number; ms: number; retryAfter: string | null; text: string };
type Kind = 'v2' | 'oauth' | 'page';

/**
 * A second live token of the same key, stored straight into the database: a token the server has
 * never seen, so its introspection needs the database (the server keeps the tokens it minted in
 * memory for a while, token-cache.ts, and can introspect those without it).
 */
async function storedCopyOf(runtime: Runtime, token: string): Promise<string> {
  const db = runtime.database.connection.db;
  if (!db) throw new Error('no database handle');
  const records = db.collection<StoredRecord>(collectionName('ClientCredentials'));
  const record = await records.findOne({ _id: token });
  if (!record) throw new Error('the minted token is not stored');
  const id = randomBytes(33).toString('base64url');
  await records.insertOne({ ...record, _id: id, payload: { ...record.payload, jti: id } });
  return id;
}

/** What a server and its fixtures offer the probes: a key with a live token and a sign-in page. */
async function world(runtime: Runtime, url: string) {
  const f = fixtures(runtime, url);
  const org = await f.organization();
  const key = await f.key({ type: 'organization', id: org.id });
  const token = await f.token(key);
  const unseenToken = await storedCopyOf(runtime, token);
  const openSignIn = await startConsoleSignIn(url);
  expect(openSignIn.page.response.status).toBe(200);
  const basic = `Basic ${Buffer.from(`${key.clientId}:${key.secret}`).toString('base64')}`;
  const form = (pathName: string, body: string) =>
    fetch(`${url}${pathName}`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
  const admin = (method: string, pathName: string, body?: unknown) =>
    fetch(`${url}${pathName}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  const keys = `${ownerPath(key.owner)}/application-keys`;
  const page = (step: { response: Response; html: string }) => ({ response: step.response, text: step.html });
  const probes: Array<[string, Kind, () => Promise<Response | { response: Response; text: string }>]> = [
    ['GET /readyz', 'v2', () => fetch(`${url}/readyz`)],
    ['POST /token', 'oauth', () => form('/token', 'grant_type=client_credentials')],
    ['POST /token/introspection', 'oauth', () => form('/token/introspection', `token=${unseenToken}`)],
    ['POST /token/revocation', 'oauth', () => form('/token/revocation', `token=${token}`)],
    ['GET /v2 keys', 'v2', () => admin('GET', keys)],
    ['POST /v2 keys', 'v2', () => admin('POST', keys, { data: { type: 'application_key', name: 'k' } })],
    ['GET /auth (sign-in starts)', 'oauth', async () => page((await startConsoleSignIn(url)).page)],
    [
      'POST /interaction/:uid/login',
      'page',
      async () =>
        page(await openSignIn.submit(openSignIn.page.html, { email: 'nobody@example.com', password: 'x' })),
    ],
  ];

  async function ask(): Promise<Array<Answer & { kind: Kind }>> {
    return Promise.all(
      probes.map(async ([name, kind, request]) => {
        const started = performance.now();
        const answered = await request();
        const response = answered instanceof Response ? answered : answered.response;
        const text = answered instanceof Response ? await answered.text() : answered.text;
        const ms = Math.round(performance.now() - started);
        return {
          name,
          kind,
          status: response.status,
          ms,
          retryAfter: response.headers.get('retry-after'),
          text,
        };
      }),
    );
  }

  return {
    /** Every probe answers 503 + Retry-After in the shape of its endpoint, within the bound. */
    async expectUnavailable(label: string): Promise<Answer[]> {
      const answers = await ask();
      console.info(`${label}: ${answers.map((a) => `${a.name} ${a.status} in ${a.ms} ms`).join('; ')}`);
      for (const answer of answers) {
        const label = `${answer.name}: ${answer.status} after ${answer.ms} ms: ${answer.text.slice(0, 200)}`;
        expect(answer.status, label).toBe(503);
        expect(answer.retryAfter, label).toMatch(/^[1-9]\d*$/);
        expect(answer.ms, label).toBeLessThan(BOUND_MS);
        if (answer.kind === 'v2')
          expect(JSON.parse(answer.text), label).toMatchObject({
            errors: [{ status: 503, title: 'Service Unavailable' }],
          });
        else if (answer.kind === 'oauth')
          expect(JSON.parse(answer.text), label).toMatchObject({ error: 'temporarily_unavailable' });
        else expect(answer.text, label).toContain('try again');
      }
      return answers;
    },
    /** Readiness comes back by itself, and then tokens, the admin API and sign-in work again. */
    async expectRecovered() {
      const restored = performance.now();
      await waitUntil(async () => (await fetch(`${url}/readyz`)).status === 200, 30_000, 'readiness');
      console.info(`ready again ${Math.round(performance.now() - restored)} ms after the database came back`);
      expect(await f.token(key)).toMatch(/^[\w-]{40,}$/);
      const list = await admin('GET', keys);
      expect(list.status).toBe(200);
      expect(((await list.json()) as { data: unknown[] }).data).toHaveLength(1);
      expect((await startConsoleSignIn(url)).page.response.status).toBe(200);
    },
  };
}

describe('the embedded FerretDB frozen (SIGSTOP) and thawed (SIGCONT)', () => {
  let dir: string;
  let server: RunningServer;
  let runtime: Runtime;
  let ferretdbPid: number;

  beforeAll(async () => {
    // a server and a FerretDB of their own: freezing the run's shared FerretDB would stall every suite
    dir = await mkdtemp(path.join(os.tmpdir(), 'appkeys-frozen-db-'));
    const port = await freePort();
    const config = loadConfig({
      PORT: String(port),
      ISSUER: `http://127.0.0.1:${port}`,
      DATA_DIR: path.join(dir, 'data'),
      KEYS_DIR: path.join(dir, 'keys'),
      LOG_LEVEL: 'warn',
    });
    const { logger } = capturedLogger(config.logLevel);
    server = await startServer(config, logger);
    runtime = await openRuntime(config, logger);
    const instance = JSON.parse(
      await readFile(path.join(config.dataDir, 'ferretdb', 'instance.json'), 'utf8'),
    ) as { pid: number };
    ferretdbPid = instance.pid;
  });
  afterAll(async () => {
    if (ferretdbPid) process.kill(ferretdbPid, 'SIGCONT');
    await runtime?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After within seconds while frozen, and works again once thawed', async () => {
    const probes = await world(runtime, server.url);
    process.kill(ferretdbPid, 'SIGSTOP');
    try {
      await probes.expectUnavailable('frozen');
    } finally {
      process.kill(ferretdbPid, 'SIGCONT');
    }
    await probes.expectRecovered();
  }, 90_000);
});

describe('the database behind a proxy that refuses, then black-holes, then forwards again', () => {
  let proxy: OutageProxy;
  let server: TestServer;

  beforeAll(async () => {
    const behind = await databaseBehindProxy('outage');
    proxy = behind.proxy;
    server = await startTestServer({ MONGODB_URI: behind.uri, LOG_LEVEL: 'warn' });
  });
  afterAll(async () => {
    await proxy?.set('forward');
    await server?.close();
    await proxy?.close();
  });

  it('answers 503 with Retry-After within seconds when connections are refused', async () => {
    const probes = await world(server.runtime, server.url);
    await proxy.set('refuse');
    try {
      await probes.expectUnavailable('refused');
    } finally {
      await proxy.set('forward');
    }
    await probes.expectRecovered();
  }, 90_000);

  it('answers 503 with Retry-After within seconds when connections are black-holed', async () => {
    const probes = await world(server.runtime, server.url);
    await proxy.set('blackhole');
    try {
      await probes.expectUnavailable('black-holed');
    } finally {
      await proxy.set('forward');
    }
    await probes.expectRecovered();
  }, 90_000);

  it('the CLI reports a refused database as 503 JSON on stderr and exits 1, without a stack trace', async () => {
    await proxy.set('refuse');
    try {
      const result = await runCli(['org', 'create', '--name', 'x', '--rate-limit', '1'], server.sharedEnv);
      expect(result.code).toBe(1);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      const last = result.stderr.trim().split('\n').at(-1) ?? '';
      expect(JSON.parse(last)).toMatchObject({ errors: [{ status: 503, code: 'unavailable' }] });
    } finally {
      await proxy.set('forward');
    }
  });
});
