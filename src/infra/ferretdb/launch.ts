import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.ts';
import { answersAt, isAlive, isProcessOf, terminate, waitUntil } from './process-tools.ts';
import { chooseSocketPath, makePrivateDir } from './socket-path.ts';

export type EmbeddedDatabase = { uri: string; socket: string; pid: number; stop(): Promise<void> };

/**
 * What DATA_DIR/ferretdb/instance.json records about the running FerretDB; `fallback` when its
 * socket lives in a temporary directory of its own (removed with it). Older versions wrote `port`.
 */
type Instance = { pid: number; socket: string; fallback: boolean; owner: number };

const DATABASE = 'appkeys';
const STALE_LOCK_MS = 30_000;

async function withLock<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const lock = path.join(dir, 'launch.lock');
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > STALE_LOCK_MS) await rmdir(lock).catch(() => undefined);
      await sleep(50 + Math.random() * 50);
    }
  }
  try {
    return await body();
  } finally {
    await rmdir(lock).catch(() => undefined);
  }
}

async function readInstance(file: string): Promise<Partial<Instance> | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Partial<Instance>;
  } catch {
    return undefined;
  }
}

async function answering(found: Partial<Instance> | undefined): Promise<Instance | undefined> {
  if (!found?.pid || !found.socket || !isProcessOf(found.pid, 'ferretdb')) return undefined;
  return (await answersAt({ path: found.socket })) ? (found as Instance) : undefined;
}

/** Clears what a FerretDB that no longer answers left behind; one still running (an older, TCP one) is stopped. */
async function clearStale(found: Partial<Instance> | undefined): Promise<void> {
  if (!found) return;
  if (found.pid && isProcessOf(found.pid, 'ferretdb')) await terminate(found.pid);
  if (found.socket) await removeSocket(found.socket, found.fallback === true);
}

async function removeSocket(socket: string, fallback: boolean): Promise<void> {
  await rm(socket, { force: true });
  if (fallback) await rmdir(path.dirname(socket)).catch(() => undefined);
}

async function spawnFerretdb(binary: string, dir: string, logger: Logger): Promise<Instance> {
  await mkdir(path.join(dir, 'sqlite'), { recursive: true });
  await mkdir(path.join(dir, 'state'), { recursive: true });
  const { socket, fallback } = await chooseSocketPath(dir);
  if (fallback)
    logger.info(
      { socket },
      'DATA_DIR is too deep for a Unix socket path: FerretDB listens in a private temporary directory',
    );
  await rm(socket, { force: true }); // left by a FerretDB that was killed
  const child = spawn(
    binary,
    [
      '--handler=sqlite',
      // WAL (FerretDB's default) with synchronous=NORMAL: commits survive a crash of the process,
      // and skip an fsync each; the last ones may be lost on a power failure (see README)
      `--sqlite-url=file:${path.join(dir, 'sqlite')}/?_pragma=synchronous(normal)`,
      `--state-dir=${path.join(dir, 'state')}`,
      // no TCP port: only this user, through the socket in a 0700 directory, may connect
      '--listen-addr=',
      `--listen-unix=${socket}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=error',
      '--log-format=json',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  if (child.pid === undefined) throw new Error(`Could not start ${binary}`);
  await waitUntil(
    async () => {
      if (exited) throw new Error(`FerretDB exited during start-up: ${stderr.trim()}`);
      return answersAt({ path: socket });
    },
    20_000,
    `FerretDB on ${socket}`,
  );
  child.stderr.on('data', (chunk: Buffer) => logger.warn({ ferretdb: chunk.toString().trim() }, 'ferretdb'));
  child.unref();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  return { pid: child.pid, socket, fallback, owner: process.pid };
}

/**
 * Runs the embedded database: FerretDB with its SQLite backend, files under `dataDir/ferretdb`,
 * listening on a Unix socket there (no TCP port). Processes sharing one DATA_DIR (two servers, or
 * the CLI beside a server) share one FerretDB: the first starts it and records it in instance.json;
 * the others connect to it. The starter stops it on exit; an instance whose starter died is
 * adopted by the next process.
 */
export async function startEmbeddedFerretdb(options: {
  binary: string;
  dataDir: string;
  logger: Logger;
}): Promise<EmbeddedDatabase> {
  const dir = path.join(options.dataDir, 'ferretdb');
  await makePrivateDir(dir);
  const instanceFile = path.join(dir, 'instance.json');

  const { instance, owned } = await withLock(dir, async () => {
    const found = await readInstance(instanceFile);
    const running = await answering(found);
    if (running) {
      if (running.owner !== process.pid && isAlive(running.owner)) return { instance: running, owned: false };
      const adopted = { ...running, owner: process.pid };
      await writeFile(instanceFile, JSON.stringify(adopted));
      return { instance: adopted, owned: true };
    }
    await clearStale(found);
    const started = await spawnFerretdb(options.binary, dir, options.logger);
    await writeFile(instanceFile, JSON.stringify(started));
    return { instance: started, owned: true };
  });

  // the driver reads a host ending in .sock as a socket path, percent-encoded
  const uri = `mongodb://${encodeURIComponent(instance.socket)}/${DATABASE}`;
  const shared = { uri, socket: instance.socket, pid: instance.pid };
  if (!owned) return { ...shared, stop: async () => undefined };

  const killOnExit = () => {
    if (isAlive(instance.pid)) process.kill(instance.pid, 'SIGKILL');
  };
  process.once('exit', killOnExit);
  options.logger.info({ socket: instance.socket, dir }, 'embedded FerretDB running');
  return {
    ...shared,
    async stop() {
      process.removeListener('exit', killOnExit);
      await terminate(instance.pid);
      await rm(instanceFile, { force: true });
      await removeSocket(instance.socket, instance.fallback);
    },
  };
}
