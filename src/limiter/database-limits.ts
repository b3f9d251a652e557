/**
 * The database fallback of `appkeys/limiter`, imported only when `mongodbUri` is given: it is what
 * loads mongoose.
 */
import { connectMongo } from '../infra/mongo/connection.ts';
import { createModels } from '../infra/mongo/models.ts';
import { createRepositories } from '../infra/mongo/repositories.ts';
import { loadOwnerLimits } from './load-limits.ts';
import type { OwnerRef } from '../domain/types.ts';

/** Connects to appkeys' database; returns an owner's limits as stored there, and `close()`. */
export async function connectLimitsDatabase(mongodbUri: string) {
  const connection = await connectMongo(mongodbUri);
  const db = connection.db;
  if (!db) throw new Error('database handle missing after connect');
  const repos = createRepositories(createModels(connection), db);
  return {
    loadLimits: (owner: OwnerRef) => loadOwnerLimits(repos, owner),
    close: () => connection.close(),
  };
}
