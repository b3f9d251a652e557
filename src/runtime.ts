import { randomUUID } from 'node:crypto';
import type { Config } from './config/env.ts';
import { deriveKey } from './config/derive-key.ts';
import { loadServerSecret } from './config/server-secret.ts';
import { createDomain, type Domain } from './domain/index.ts';
import type { Repositories } from './domain/ports.ts';
import { createSecrets, type Secrets } from './domain/secrets.ts';
import { openDatabase, type Database } from './infra/database.ts';
import type { Logger } from './infra/logger.ts';
import { createLeases } from './infra/mongo/leases.ts';
import { createModels, ensureModelIndexes } from './infra/mongo/models.ts';
import { createRepositories } from './infra/mongo/repositories.ts';
import { ensureAdapterIndexes } from './oauth/adapter.ts';
import { createRedis } from './infra/redis.ts';
import { passwords } from './infra/passwords.ts';
import { createSecretBox } from './infra/secret-box.ts';
import type { Redis } from 'ioredis';
import { createLimiter, type Limiter, type LimiterDeps } from './limiter/limiter.ts';
import { loadOwnerLimits } from './limiter/load-limits.ts';
import { withClientChanges } from './oauth/client-changes.ts';
import { CLIENT_CHANGES_CHANNEL, createChangePublisher } from './oauth/client-invalidations.ts';

export type Runtime = {
  database: Database;
  limiter: Limiter;
  redis: Redis | undefined;
  repos: Repositories;
  secrets: Secrets;
  serverSecret: string;
  domain: Domain;
  close(): Promise<void>;
};

export type RuntimeOptions = {
  onDecision?: LimiterDeps['onDecision'];
  /** Told the client id of every key changed through this runtime, after the write (the server's client cache). */
  onClientChanged?: (clientId: string) => void;
};

/**
 * The database and the domain over it: what the server and the CLI share. Opening it creates
 * the indexes correctness depends on (unique key names per owner, unique client ids). Every
 * change of a key is announced: to `onClientChanged`, and with Redis to the other instances.
 */
export async function openRuntime(
  config: Config,
  logger: Logger,
  options: RuntimeOptions = {},
): Promise<Runtime> {
  const serverSecret = await loadServerSecret({ fromEnv: config.serverSecret, keysDir: config.keysDir });
  const database = await openDatabase(config, logger);
  try {
    const db = database.connection.db;
    if (!db) throw new Error('database handle missing after connect');
    const models = createModels(database.connection);
    await ensureModelIndexes(models);
    await ensureAdapterIndexes(db);
    const redis = config.redisUrl
      ? createRedis(config.redisUrl, logger, config.redisCommandTimeoutMs)
      : undefined;
    const publishClientChange = redis && createChangePublisher(redis, CLIENT_CHANGES_CHANNEL, logger);
    const repos = withClientChanges(createRepositories(models, db), async (clientId) => {
      options.onClientChanged?.(clientId);
      await publishClientChange?.(clientId);
    });
    const secrets = createSecrets(deriveKey(serverSecret, 'client-secrets'));
    const limiter = createLimiter({
      loadLimits: (owner) => loadOwnerLimits(repos, owner),
      redis,
      // each worker process decides alone during a Redis outage
      expectedInstances: config.expectedInstances * config.workers,
      configTtlMs: config.redisLimitsTtlMs,
      logger,
      onDecision: options.onDecision,
    });
    const domain = createDomain({
      repos,
      leases: createLeases(db),
      secrets,
      clock: () => new Date(),
      newId: randomUUID,
      maxKeysPerOwner: config.maxKeysPerOwner,
      passwords,
      secretBox: createSecretBox(deriveKey(serverSecret, 'secret-box')),
      onLimitsChanged: (owner) => limiter.publish(owner),
    });
    return {
      database,
      limiter,
      redis,
      repos,
      secrets,
      serverSecret,
      domain,
      async close() {
        limiter.close();
        redis?.disconnect();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
