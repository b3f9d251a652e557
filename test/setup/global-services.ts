import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildFerretdb } from '../../src/infra/ferretdb/build-binary.ts';
import { findFerretdb } from '../../src/infra/ferretdb/find-binary.ts';
import { startEmbeddedFerretdb } from '../../src/infra/ferretdb/launch.ts';
import { createLogger } from '../../src/infra/logger.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A MongoDB URI without a database name; each suite picks its own database. */
    mongoBaseUri: string;
  }
}

/**
 * Starts the services every suite shares: one FerretDB (built once if absent) unless
 * MONGODB_URI points the whole run at a real MongoDB.
 */
export default async function setup(project: TestProject) {
  if (process.env.MONGODB_URI) {
    project.provide('mongoBaseUri', process.env.MONGODB_URI);
    return undefined;
  }
  const logger = createLogger('warn');
  const binary = (await findFerretdb(process.env.FERRETDB_BIN)) ?? (await buildFerretdb(logger));
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'appkeys-test-db-'));
  const database = await startEmbeddedFerretdb({ binary, dataDir, logger });
  project.provide('mongoBaseUri', database.uri);
  return async () => {
    await database.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
