import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedFerretdb } from '../../src/infra/ferretdb/launch.ts';
import { resolveFerretdb } from '../../src/infra/ferretdb/resolve-binary.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { startRedisServer } from '../helpers/redis-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A MongoDB URI without a database name; each suite picks its own database. */
    mongoBaseUri: string;
    /** A Redis shared by the run; suites use key prefixes of their own owners (unique ids). */
    redisUrl: string;
  }
}

/**
 * Starts the services every suite shares: one FerretDB (built once if absent) unless
 * MONGODB_URI points the whole run at a real MongoDB, and one redis-server.
 */
export default async function setup(project: TestProject) {
  const redis = await startRedisServer();
  project.provide('redisUrl', redis.url);
  if (process.env.MONGODB_URI) {
    project.provide('mongoBaseUri', process.env.MONGODB_URI);
    return () => redis.stop();
  }
  const logger = createLogger('warn');
  const binary = await resolveFerretdb(process.env.FERRETDB_BIN, logger);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'appkeys-test-db-'));
  const database = await startEmbeddedFerretdb({ binary, dataDir, logger });
  project.provide('mongoBaseUri', database.uri);
  return async () => {
    await redis.stop();
    await database.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
