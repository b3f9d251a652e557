import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import type { Config } from './config/env.ts';
import { loadServerSecret } from './config/server-secret.ts';
import { loadSigningKeys } from './config/signing-keys.ts';
import { aggregateWorkerMetrics } from './cluster-metrics.ts';
import { ensureConsoleBuilt } from './http/console/build-assets.ts';
import { startMetricsListener } from './http/metrics-listener.ts';
import { openDatabase, type Database } from './infra/database.ts';
import type { Logger } from './infra/logger.ts';

export type RunningPrimary = { close(): Promise<void> };

/** A worker that dies sooner than this after it was started is restarted after a pause (a crash loop). */
const CRASH_LOOP_MS = 5000;
const RESTART_PAUSE_MS = 1000;

/**
 * `WORKERS` > 1: this process prepares what the workers share, once, then forks `config.workers`
 * server processes that listen on the same port (node:cluster hands connections out in turn).
 * Shared first, so that workers never race to create them: the signing keys and server secret
 * (generated into KEYS_DIR on first start), the embedded FerretDB (started here and held until
 * the primary stops; workers connect to it), the console's assets. Workers share the limiter and
 * throttles through Redis (required) and hear of key changes through its pub/sub.
 * A worker that dies is replaced; SIGTERM (through `close`) stops the workers, each finishing its
 * requests in flight, then the database. The primary serves `/metrics` for all of them, once
 * every worker listens, and only then logs `appkeys listening`.
 */
export async function startPrimary(config: Config, logger: Logger): Promise<RunningPrimary> {
  await loadSigningKeys({ fromEnv: config.signingKeys, keysDir: config.keysDir });
  await loadServerSecret({ fromEnv: config.serverSecret, keysDir: config.keysDir });
  const database: Database | undefined = config.mongodbUri ? undefined : await openDatabase(config, logger);
  let stopping = false;
  let port = config.port;
  const started = new Map<Worker, number>();

  const fork = () => started.set(cluster.fork(), Date.now());
  const stopWorkers = async () => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    await Promise.all(
      workers.map(async (worker) => {
        if (worker.isDead()) return;
        const exited = once(worker, 'exit');
        const kill = setTimeout(() => worker.process.kill('SIGKILL'), 15_000);
        worker.process.kill('SIGTERM');
        await exited;
        clearTimeout(kill);
      }),
    );
    await database?.close();
  };

  try {
    await ensureConsoleBuilt().then(
      (built) => built && logger.info('console built'),
      (error: unknown) => logger.warn({ err: error }, 'console not built: /console answers 503'),
    );
    port = await new Promise<number>((resolve, reject) => {
      let listening = 0;
      const onListening = (_worker: Worker, address: { port: number }) => {
        if (++listening === config.workers) {
          cluster.off('listening', onListening);
          cluster.off('exit', onEarlyExit);
          resolve(address.port); // PORT=0: the workers share the one port the first was given
        }
      };
      const onEarlyExit = (worker: Worker, code: number | null) =>
        reject(new Error(`worker ${worker.process.pid} exited with ${code} before listening`));
      cluster.on('listening', onListening);
      cluster.on('exit', onEarlyExit);
      for (let i = 0; i < config.workers; i++) fork();
    });
  } catch (error) {
    await stopWorkers();
    throw error;
  }

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (started.get(worker) ?? 0);
    started.delete(worker);
    if (stopping) return;
    logger.error({ pid: worker.process.pid, code, signal }, 'worker died: starting another');
    setTimeout(() => stopping || fork(), lived < CRASH_LOOP_MS ? RESTART_PAUSE_MS : 0);
  });
  const metricsListener = await startMetricsListener(aggregateWorkerMetrics(), {
    host: config.metricsHost,
    port: config.metricsPort,
  });
  logger.info(
    {
      port,
      workers: config.workers,
      issuer: config.issuer,
      metrics: metricsListener.url,
      embeddedDatabase: database !== undefined,
    },
    'appkeys listening',
  );
  return {
    async close() {
      await stopWorkers();
      await metricsListener.close();
      logger.info('appkeys stopped');
    },
  };
}
