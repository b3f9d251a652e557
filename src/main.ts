import cluster from 'node:cluster';
import { startPrimary } from './cluster-primary.ts';
import { ConfigError, loadConfig } from './config/env.ts';
import { NoDatabaseError } from './infra/ferretdb/build-binary.ts';
import { createLogger } from './infra/logger.ts';
import { startServer } from './server.ts';

/**
 * Process entry: configuration, start, and a graceful stop on SIGTERM or SIGINT. With WORKERS > 1
 * this process is the cluster's primary (cluster-primary.ts) and its workers run the server.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`appkeys: ${error.message}\n`);
    process.exit(1);
  }
  const base = createLogger(config.logLevel);
  // a worker's lines say which worker wrote them
  const logger = cluster.isWorker ? base.child({ pid: process.pid }) : base;
  let server;
  try {
    server =
      config.workers > 1 && cluster.isPrimary
        ? await startPrimary(config, logger)
        : await startServer(config, logger, { clusterWorker: cluster.isWorker });
  } catch (error) {
    if (error instanceof NoDatabaseError) process.stderr.write(`appkeys: ${error.message}\n`);
    else logger.fatal({ err: error }, 'start-up failed');
    process.exit(1);
  }
  const running = server;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

await main();
