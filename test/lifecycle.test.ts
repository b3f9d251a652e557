import { mkdtemp, readFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { NoDatabaseError, buildFerretdb } from '../src/infra/ferretdb/build-binary.ts';
import { isAlive } from '../src/infra/ferretdb/process-tools.ts';
import { freePort } from '../src/infra/free-port.ts';
import { createLogger } from '../src/infra/logger.ts';
import { json } from './helpers/http.ts';
import { spawnServer } from './helpers/spawn-server.ts';

const tempDir = (label: string) => mkdtemp(path.join(os.tmpdir(), `appkeys-${label}-`));

async function embeddedEnv() {
  const port = await freePort();
  return {
    port,
    env: { PORT: String(port), DATA_DIR: await tempDir('data'), KEYS_DIR: await tempDir('keys') },
  };
}

async function ferretdbPid(dataDir: string): Promise<number> {
  return (
    JSON.parse(await readFile(path.join(dataDir, 'ferretdb', 'instance.json'), 'utf8')) as { pid: number }
  ).pid;
}

/** Sends a request whose body arrives only after `delayMs`, so it is in flight meanwhile. */
function slowRequest(port: number, afterHeaders: () => void, delayMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const body = 'grant_type=client_credentials&client_id=nobody&client_secret=wrong';
    const socket = net.connect({ port, host: '127.0.0.1' }, () => {
      socket.write(
        `POST /token HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
          `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
      );
      afterHeaders();
      setTimeout(() => socket.write(body.slice(10)), delayMs);
    });
    let response = '';
    socket.on('data', (chunk) => (response += chunk.toString()));
    socket.on('end', () => resolve(response));
    socket.on('error', reject);
  });
}

describe('the server process on embedded defaults', () => {
  it('starts with no database configuration, serves discovery on PORT, and stops FerretDB on SIGTERM', async () => {
    const { port, env } = await embeddedEnv();
    const server = spawnServer(env);
    await server.ready;
    const discovery = await json(fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`));
    expect(discovery.issuer).toBe(`http://localhost:${port}`);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    const pid = await ferretdbPid(env.DATA_DIR);
    expect(isAlive(pid)).toBe(true);

    expect(await server.stop('SIGTERM')).toBe(0);
    expect(isAlive(pid)).toBe(false);
    await expect(readFile(path.join(env.DATA_DIR, 'ferretdb', 'instance.json'))).rejects.toThrow(/ENOENT/);
  });

  it('finishes a request in flight before it exits', async () => {
    const { port, env } = await embeddedEnv();
    const server = spawnServer(env);
    await server.ready;
    const response = slowRequest(port, () => setTimeout(() => server.child.kill('SIGTERM'), 100), 600);
    const text = await response;
    expect(text).toMatch(/^HTTP\/1\.1 401/);
    expect(text).toContain('invalid_client');
    expect(await server.exited).toBe(0);
    // and it no longer accepts connections
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('keeps its data and signing key across restarts', async () => {
    const { port, env } = await embeddedEnv();
    const first = spawnServer(env);
    await first.ready;
    const kid1 = (await json(fetch(`http://127.0.0.1:${port}/jwks`))).keys[0].kid;
    await first.stop();
    const second = spawnServer(env);
    await second.ready;
    const kid2 = (await json(fetch(`http://127.0.0.1:${port}/jwks`))).keys[0].kid;
    expect(kid2).toBe(kid1);
    expect(await second.stop('SIGINT')).toBe(0);
  });

  it('adopts a FerretDB left running by a server that was killed, instead of starting a second one', async () => {
    const { port, env } = await embeddedEnv();
    const crashed = spawnServer(env);
    await crashed.ready;
    const orphan = await ferretdbPid(env.DATA_DIR);
    await crashed.stop('SIGKILL');
    // the exit hook cannot run on SIGKILL: FerretDB is orphaned
    await sleep(100);
    expect(isAlive(orphan)).toBe(true);

    const next = spawnServer(env);
    await next.ready;
    expect(await ferretdbPid(env.DATA_DIR)).toBe(orphan);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect(await next.stop()).toBe(0);
    expect(isAlive(orphan)).toBe(false);
  });
});

describe('start-up errors', () => {
  it('stops with exit code 1 and a message naming a bad variable', async () => {
    const server = spawnServer({
      PORT: 'eighty',
      DATA_DIR: await tempDir('data'),
      KEYS_DIR: await tempDir('keys'),
    });
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toMatch(/PORT: .*"eighty"/);
  });

  it('tells the user to set MONGODB_URI or run docker compose when there is neither FerretDB nor Go', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(buildFerretdb(createLogger('silent'))).rejects.toThrow(NoDatabaseError);
      await expect(buildFerretdb(createLogger('silent'))).rejects.toThrow(
        /set MONGODB_URI to a MongoDB server or run `docker compose up`/,
      );
    } finally {
      process.env.PATH = path;
    }
  });

  it('fails when MONGODB_URI points at nothing, naming the failure', async () => {
    const port = await freePort();
    const server = spawnServer({
      PORT: String(port),
      MONGODB_URI: `mongodb://127.0.0.1:${await freePort()}/x?serverSelectionTimeoutMS=500`,
      KEYS_DIR: await tempDir('keys'),
    });
    expect(await server.exited).toBe(1);
    expect(server.stdout.join('\n')).toMatch(/start-up failed/);
  });
});
