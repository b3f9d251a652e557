import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.ts';
import { freePort } from '../free-port.ts';
import { answers, isAlive, isProcessOf, terminate, waitUntil } from './process-tools.ts';

export type EmbeddedDatabase = { uri: string; stop(): Promise<void> };

/** What DATA_DIR/ferretdb/instance.json records about the running FerretDB. */
type Instance = { pid: number; port: number; owner: number };

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

async function readInstance(file: string): Promise<Instance | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Instance;
  } catch {
    return undefined;
  }
}

async function spawnFerretdb(binary: string, dir: string, logger: Logger): Promise<Instance> {
  await mkdir(path.join(dir, 'sqlite'), { recursive: true });
  await mkdir(path.join(dir, 'state'), { recursive: true });
  const port = await freePort();
  const child = spawn(
    binary,
    [
      '--handler=sqlite',
      // WAL (FerretDB's default) with synchronous=NORMAL: commits survive a crash of the process,
      // and skip an fsync each; the last ones may be lost on a power failure (see README)
      `--sqlite-url=file:${path.join(dir, 'sqlite')}/?_pragma=synchronous(normal)`,
      `--state-dir=${path.join(dir, 'state')}`,
      `--listen-addr=127.0.0.1:${port}`,
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
      return answers(port);
    },
    20_000,
    `FerretDB on port ${port}`,
  );
  child.stderr.on('data', (chunk: Buffer) => logger.warn({ ferretdb: chunk.toString().trim() }, 'ferretdb'));
  child.unref();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  return { pid: child.pid, port, owner: process.pid };
}

/**
 * Runs the embedded database: FerretDB with its SQLite backend, files under `dataDir/ferretdb`.
 * Processes sharing one DATA_DIR (two servers, or the CLI beside a server) share one FerretDB:
 * the first starts it and records it in instance.json; the others connect to it. The starter
 * stops it on exit; an instance whose starter died is adopted by the next process.
 */
export async function startEmbeddedFerretdb(options: {
  binary: string;
  dataDir: string;
  logger: Logger;
}): Promise<EmbeddedDatabase> {
  const dir = path.join(options.dataDir, 'ferretdb');
  await mkdir(dir, { recursive: true });
  const instanceFile = path.join(dir, 'instance.json');

  const { instance, owned } = await withLock(dir, async () => {
    const found = await readInstance(instanceFile);
    if (found && isProcessOf(found.pid, 'ferretdb') && (await answers(found.port))) {
      if (found.owner !== process.pid && isAlive(found.owner)) return { instance: found, owned: false };
      const adopted = { ...found, owner: process.pid };
      await writeFile(instanceFile, JSON.stringify(adopted));
      return { instance: adopted, owned: true };
    }
    const started = await spawnFerretdb(options.binary, dir, options.logger);
    await writeFile(instanceFile, JSON.stringify(started));
    return { instance: started, owned: true };
  });

  const uri = `mongodb://127.0.0.1:${instance.port}/${DATABASE}`;
  if (!owned) return { uri, stop: async () => undefined };

  const killOnExit = () => {
    if (isAlive(instance.pid)) process.kill(instance.pid, 'SIGKILL');
  };
  process.once('exit', killOnExit);
  options.logger.info({ port: instance.port, dir }, 'embedded FerretDB running');
  return {
    uri,
    async stop() {
      process.removeListener('exit', killOnExit);
      await terminate(instance.pid);
      await rm(instanceFile, { force: true });
    },
  };
}
