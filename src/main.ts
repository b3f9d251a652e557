import { ConfigError, loadConfig } from './config/env.ts';
import { NoDatabaseError } from './infra/ferretdb/build-binary.ts';
import { createLogger } from './infra/logger.ts';
import { startServer } from './server.ts';

/** Process entry: configuration, start, and a graceful stop on SIGTERM or SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`appkeys: ${error.message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  let server;
  try {
    server = await startServer(config, logger);
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
