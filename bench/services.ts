import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/env.ts';
import { startEmbeddedFerretdb } from '../src/infra/ferretdb/launch.ts';
import { resolveFerretdb } from '../src/infra/ferretdb/resolve-binary.ts';
import { freePort } from '../src/infra/free-port.ts';
import { createLogger } from '../src/infra/logger.ts';
import { openRuntime, type Runtime } from '../src/runtime.ts';
import { startRedisServer } from '../test/helpers/redis-server.ts';
import type { MemorySample, ProbeRequest } from './memory-probe.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** FerretDB (or MONGODB_URI), a fresh redis-server, a keys directory, and a runtime for fixtures. */
export async function startServices() {
  const logger = createLogger('warn');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'appkeys-bench-'));
  const redis = await startRedisServer();
  let mongodbUri = process.env.MONGODB_URI;
  let stopDatabase = async () => undefined as void;
  if (!mongodbUri) {
    const binary = await resolveFerretdb(process.env.FERRETDB_BIN, logger);
    const database = await startEmbeddedFerretdb({ binary, dataDir: path.join(dir, 'data'), logger });
    mongodbUri = database.uri;
    stopDatabase = database.stop;
  }
  const env = {
    MONGODB_URI: mongodbUri,
    REDIS_URL: redis.url,
    KEYS_DIR: path.join(dir, 'keys'),
    LOG_LEVEL: 'warn',
  };
  const runtime: Runtime = await openRuntime(loadConfig(env), logger);
  const children: ChildProcess[] = [];
  // a benchmark that dies without reaching stop() must not leave its servers running
  process.once('exit', () => children.forEach((child) => child.kill('SIGTERM')));
  const pids = new Map<string, number>();
  const probed = new Map<string, ChildProcess>();
  let probes = 0;

  /** Starts a process that prints {"port": N} when ready; with `probe`, one the memory probe can read. */
  async function spawnJson(
    script: string,
    extraEnv: Record<string, string>,
    args: string[] = [],
    probe = false,
  ) {
    const port = await freePort();
    // BENCH_CPU_PROF_DIR=dir writes a CPU profile of each process started here into dir
    const profile = process.env.BENCH_CPU_PROF_DIR
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`]
      : [];
    const nodeArgs = [...profile, ...(probe ? ['--expose-gc'] : [])];
    const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args], {
      cwd: root,
      env: {
        ...process.env,
        ...env,
        PORT: String(port),
        ISSUER: `http://127.0.0.1:${port}`,
        METRICS_PORT: '0',
        ...extraEnv,
      },
      stdio: probe ? ['ignore', 'pipe', 'inherit', 'ipc'] : ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout?.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    });
    const url = `http://127.0.0.1:${port}`;
    if (child.pid) pids.set(url, child.pid);
    if (probe) probed.set(url, child);
    return url;
  }

  return {
    env,
    runtime,
    redis,
    /**
     * A server process; instances that must accept each other's tokens share `issuer`. With
     * `memoryProbe` it runs with --expose-gc and an IPC channel for `memoryOf` (the soak only).
     */
    server: (options: { withoutRateLimit?: boolean; issuer?: string; memoryProbe?: boolean } = {}) =>
      spawnJson(
        'bench/server-process.ts',
        options.issuer ? { ISSUER: options.issuer } : {},
        options.withoutRateLimit ? ['--without-rate-limit'] : [],
        options.memoryProbe,
      ),
    memoryProvider: () => spawnJson('bench/memory-provider-process.ts', {}),
    /** The process id of a server started here, by its URL (for reading its memory use). */
    pidOf: (url: string) => pids.get(url),
    /**
     * A probed server's memory as it is and after a forced full collection (bench/memory-probe.ts);
     * with `snapshot`, a heap snapshot is written to that path after the collection.
     */
    memoryOf(url: string, snapshot?: string): Promise<MemorySample> {
      const child = probed.get(url);
      if (!child) return Promise.reject(new Error(`${url} was not started with memoryProbe`));
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
      for (const child of children) child.kill('SIGTERM');
      await runtime.close();
      await redis.stop();
      await stopDatabase();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type Services = Awaited<ReturnType<typeof startServices>>;
