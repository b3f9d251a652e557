import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config/env.ts';
import { connectMongo, type Connection } from '../../src/infra/mongo/connection.ts';
import { freePort } from '../../src/infra/free-port.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import { startServer, type ServerOptions } from '../../src/server.ts';
import { capturedLogger } from './captured-logs.ts';
import { freshDatabaseUri } from './database.ts';

export type TestServer = {
  url: string;
  /** The Prometheus listener's `/metrics` URL (its own loopback port). */
  metricsUrl: string;
  config: Config;
  logs: string[];
  /** A connection of the test's own to the server's database, for asserting what was stored. */
  db: Connection;
  /**
   * The domain over the same database and keys, acting as the CLI does: for setting up fixtures.
   * Its key changes reach the server's client cache at once, as if made on the server's instance.
   */
  runtime: Runtime;
  /** Environment for another process (CLI, second server) sharing this server's database and keys. */
  sharedEnv: Record<string, string>;
  close(): Promise<void>;
};

/**
 * The real server, listening on a free loopback port, over a fresh database of the shared
 * FerretDB (or of MONGODB_URI), with its own keys directory.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  options: ServerOptions = {},
): Promise<TestServer> {
  const keysDir = await mkdtemp(path.join(os.tmpdir(), 'appkeys-test-keys-'));
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    ISSUER: `http://127.0.0.1:${port}`,
    MONGODB_URI: freshDatabaseUri(),
    KEYS_DIR: keysDir,
    LOG_LEVEL: 'debug',
    METRICS_PORT: '0',
    ...env,
  });
  const { logger, lines } = capturedLogger(config.logLevel);
  const server = await startServer(config, logger, options);
  const db = await connectMongo(config.mongodbUri ?? '');
  const runtime = await openRuntime(config, logger, { onClientChanged: server.forgetClient });
  return {
    url: server.url,
    metricsUrl: server.metricsUrl,
    config,
    logs: lines,
    db,
    runtime,
    sharedEnv: { MONGODB_URI: config.mongodbUri ?? '', KEYS_DIR: keysDir, ISSUER: config.issuer },
    async close() {
      await server.close();
      await runtime.close();
      await db.dropDatabase();
      await db.close();
      await rm(keysDir, { recursive: true, force: true });
    },
  };
}
