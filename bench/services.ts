import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig } from '../src/config/env.ts';
import { startEmbeddedFerretdb } from '../src/infra/ferretdb/launch.ts';
import { resolveFerretdb } from '../src/infra/ferretdb/resolve-binary.ts';
import { freePort } from '../src/infra/free-port.ts';
import { createLogger } from '../src/infra/logger.ts';
import { openRuntime, type Runtime } from '../src/runtime.ts';
import { startRedisServer } from '../test/helpers/redis-server.ts';
import type { MemorySample, ProbeRequest } from './memory-probe.ts';

export const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Which database the services use: `env` is MONGODB_URI when set, else the embedded FerretDB;
 * `ferretdb` is always the embedded FerretDB; `mongodb` is MONGODB_URI when set, else a mongod
 * from CI's wheel (`.ci/mongod`, installed under .cache/ on first use).
 */
export type DatabaseChoice = 'env' | 'ferretdb' | 'mongodb';

type Database = { uri: string; stop(): Promise<void> };

async function startDatabase(choice: DatabaseChoice, dir: string): Promise<Database> {
  const given = process.env.MONGODB_URI;
  if (given && choice !== 'ferretdb') return { uri: given, stop: async () => undefined };
  if (choice === 'mongodb') {
    const mongodDir = path.join(dir, 'mongod');
    const script = path.join(root, '.ci/mongod');
    const { stdout } = await promisify(execFile)(script, ['start', mongodDir], { cwd: root });
    return {
      uri: stdout.trim().split('\n').at(-1) ?? '',
      stop: async () => void (await promisify(execFile)(script, ['stop', mongodDir], { cwd: root })),
    };
  }
  const logger = createLogger('warn');
  const binary = await resolveFerretdb(process.env.FERRETDB_BIN, logger);
  return startEmbeddedFerretdb({ binary, dataDir: path.join(dir, 'data'), logger });
}

/** Starts a Node script that prints {"port": N} when ready; `nodeArgs` go before the script (e.g. --cpu-prof). */
export async function spawnReady(
  script: string,
  env: Record<string, string>,
  options: { args?: string[]; nodeArgs?: string[]; ipc?: boolean } = {},
) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', 'tsx', script, ...(options.args ?? [])],
    {
      cwd: root,
      env: {
        ...process.env,
        ISSUER: `http://127.0.0.1:${port}`,
        METRICS_PORT: '0',
        ...env,
        PORT: String(port),
      },
      stdio: options.ipc ? ['ignore', 'pipe', 'inherit', 'ipc'] : ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

/** SIGTERM, then wait for the exit (a --cpu-prof profile is written on the way out). */
export async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** The database, a fresh redis-server, a keys directory, and a runtime for fixtures. */
export async function startServices(options: { database?: DatabaseChoice } = {}) {
  const logger = createLogger('warn');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'appkeys-bench-'));
  const redis = await startRedisServer();
  const database = await startDatabase(options.database ?? 'env', dir);
  const env = {
    MONGODB_URI: database.uri,
    REDIS_URL: redis.url,
    KEYS_DIR: path.join(dir, 'keys'),
    LOG_LEVEL: 'warn',
  };
  const runtime: Runtime = await openRuntime(loadConfig(env), logger);
  const children = new Map<string, ChildProcess>();
  // a benchmark that dies without reaching stop() must not leave its servers running
  process.once('exit', () => children.forEach((child) => child.kill('SIGTERM')));
  let probes = 0;

  /** Starts a process here; with `probe`, one the memory probe can read (--expose-gc, IPC). */
  async function start(
    script: string,
    extraEnv: Record<string, string>,
    options: { args?: string[]; nodeArgs?: string[]; probe?: boolean } = {},
  ) {
    // BENCH_CPU_PROF_DIR=dir writes a CPU profile of each process started here into dir
    const profile = process.env.BENCH_CPU_PROF_DIR
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`]
      : [];
    const nodeArgs = [...profile, ...(options.probe ? ['--expose-gc'] : []), ...(options.nodeArgs ?? [])];
    const { url, child } = await spawnReady(
      script,
      { ...env, ...extraEnv },
      { args: options.args, nodeArgs, ipc: options.probe },
    );
    children.set(url, child);
    return url;
  }

  return {
    env,
    runtime,
    redis,
    /**
     * A server process; instances that must accept each other's tokens share `issuer`. With
     * `memoryProbe` it runs with --expose-gc and an IPC channel for `memoryOf` (the soak only);
     * `nodeArgs` go to node before the script (e.g. --cpu-prof).
     */
    server: (
      options: {
        withoutRateLimit?: boolean;
        issuer?: string;
        memoryProbe?: boolean;
        nodeArgs?: string[];
        /** More configuration for this server (TOKEN_CACHE_SIZE=0, say). */
        env?: Record<string, string>;
      } = {},
    ) =>
      start(
        'bench/server-process.ts',
        { ...options.env, ...(options.issuer ? { ISSUER: options.issuer } : {}) },
        {
          args: options.withoutRateLimit ? ['--without-rate-limit'] : [],
          nodeArgs: options.nodeArgs,
          probe: options.memoryProbe,
        },
      ),
    memoryProvider: () => start('bench/memory-provider-process.ts', {}),
    /** The process id of a server started here, by its URL (for reading its memory use). */
    pidOf: (url: string) => children.get(url)?.pid,
    /** Stops one process started here and waits for it to exit. */
    async stopProcess(url: string) {
      const child = children.get(url);
      children.delete(url);
      if (child) await stopChild(child);
    },
    /**
     * A probed server's memory as it is and after a forced full collection (bench/memory-probe.ts);
     * with `snapshot`, a heap snapshot is written to that path after the collection.
     */
    memoryOf(url: string, snapshot?: string): Promise<MemorySample> {
      const child = children.get(url);
      if (!child?.connected) return Promise.reject(new Error(`${url} was not started with memoryProbe`));
      const id = ++probes;
      return new Promise((resolve) => {
        const answer = (message: { id: number; sample: MemorySample }) => {
          if (message.id !== id) return;
          child.off('message', answer);
          resolve(message.sample);
        };
        child.on('message', answer);
        child.send({ id, snapshot } satisfies ProbeRequest);
      });
    },
    async stop() {
      await Promise.all([...children.values()].map(stopChild));
      await runtime.close();
      await redis.stop();
      await database.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type Services = Awaited<ReturnType<typeof startServices>>;
