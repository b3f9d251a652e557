import http from 'node:http';
import { answerClientError } from './http/client-error.ts';
import { once } from 'node:events';
import type { Config } from './config/env.ts';
import { deriveKey } from './config/derive-key.ts';
import { loadSigningKeys } from './config/signing-keys.ts';
import { assembleApp } from './app.ts';
import { adminRouter } from './http/admin-router.ts';
import type { Logger } from './infra/logger.ts';
import { pingMongo } from './infra/mongo/connection.ts';
import { createMongoAdapter } from './oauth/adapter.ts';
import { schedulePurge } from './oauth/adapter-purge.ts';
import { createLastUsedTracker } from './oauth/last-used.ts';
import { createProvider } from './oauth/provider.ts';
import { openRuntime } from './runtime.ts';
import { createMetrics } from './infra/metrics.ts';
import { interactionRoutes } from './http/interactions/routes.ts';
import { createRenderer } from './http/interactions/render.ts';
import { createSignInThrottle } from './http/interactions/sign-in-throttle.ts';
import type { RefusalThrottleOptions } from './http/middleware/refusal-throttle.ts';
import { startMetricsListener } from './http/metrics-listener.ts';
import { answerMetricsToPrimary } from './cluster-metrics.ts';
import { ensureConsoleBuilt } from './http/console/build-assets.ts';
import { consoleRoutes } from './http/console/routes.ts';
import { openApiRoutes } from './http/openapi/routes.ts';
import { createClientCache } from './oauth/client-cache.ts';
import { createClients, type ClientRecord } from './oauth/clients.ts';
import {
  CLIENT_CHANGES_CHANNEL,
  createChangePublisher,
  keepCachesFresh,
  type InvalidatedCache,
  TOKEN_REVOCATIONS_CHANNEL,
  UNSUBSCRIBED_LIFETIME_MS,
} from './oauth/client-invalidations.ts';
import type { AdapterPayload } from 'oidc-provider';

export type RunningServer = {
  url: string;
  port: number;
  /** Drops a client from this server's cache, as a change made through its own runtime does. */
  forgetClient(clientId: string): void;
  /** Where Prometheus scrapes `/metrics` (METRICS_HOST:METRICS_PORT); '' in a cluster worker (the primary serves it). */
  metricsUrl: string;
  close(): Promise<void>;
};

export type ServerOptions = {
  purgeIntervalMs?: number;
  shutdownGraceMs?: number;
  /** Programmatic only (the limiter-overhead benchmark): never reachable by configuration. */
  withoutRateLimit?: boolean;
  /** Programmatic only (tests that send many refused requests on purpose): the refusal allowance. */
  refusals?: RefusalThrottleOptions;
  /**
   * A worker of `WORKERS` (cluster-primary.ts): the primary prepared keys, database and console,
   * and serves `/metrics` for all workers, so this process answers its metrics over IPC instead.
   */
  clusterWorker?: boolean;
};

/**
 * The composition root: configuration -> database and domain -> oauth -> http, then listen.
 * `close()` undoes it in reverse: stop accepting, let in-flight requests finish, stop timers,
 * close the database (and the embedded FerretDB).
 */
export async function startServer(
  config: Config,
  logger: Logger,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const signingKeys = await loadSigningKeys({ fromEnv: config.signingKeys, keysDir: config.keysDir });
  const metrics = createMetrics();
  const clientCache = createClientCache<ClientRecord>({
    maxEntries: config.clientCacheSize,
    lifetimeMs: UNSUBSCRIBED_LIFETIME_MS,
    onLookup: (result) => metrics.clientLookups.inc({ result }),
  });
  const tokenCache = createClientCache<AdapterPayload>({
    maxEntries: config.tokenCacheSize,
    lifetimeMs: UNSUBSCRIBED_LIFETIME_MS,
    onLookup: (result) => metrics.tokenLookups.inc({ result }),
  });
  const runtime = await openRuntime(config, logger, {
    onClientChanged: (clientId) => clientCache.forget(clientId),
    onDecision: (owner, decision, backend, seconds) => {
      const pool = !decision.allowed ? 'refused' : decision.pool === 'key' ? 'reserved' : 'shared';
      metrics.decisions.inc({ owner_type: owner.type, owner_id: owner.id, pool });
      metrics.decisionSeconds.observe({ backend }, seconds);
    },
  });
  const cleanups: Array<() => Promise<void>> = [() => runtime.close()];
  const cleanUp = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const db = runtime.database.connection.db;
    if (!db) throw new Error('database handle missing after connect');
    cleanups.push(schedulePurge(db, options.purgeIntervalMs ?? 60_000, logger));
    if (runtime.redis) {
      const subscription = keepCachesFresh(
        runtime.redis,
        new Map<string, InvalidatedCache>([
          [CLIENT_CHANGES_CHANNEL, clientCache],
          [TOKEN_REVOCATIONS_CHANNEL, tokenCache],
        ]),
        { lifetimeMs: config.clientCacheTtlMs },
        logger,
      );
      cleanups.push(async () => subscription.close());
    }
    const clients = createClients(runtime.repos, clientCache);

    const provider = createProvider({
      issuer: config.issuer,
      adapter: createMongoAdapter(db),
      repos: runtime.repos,
      clients,
      secrets: runtime.secrets,
      signingKeys,
      cookieKeys: [deriveKey(runtime.serverSecret, 'cookies')],
      accessTokenTtl: config.accessTokenTtl,
      tokens:
        config.tokenCacheSize > 0
          ? {
              cache: tokenCache,
              revoked: runtime.redis
                ? createChangePublisher(runtime.redis, TOKEN_REVOCATIONS_CHANNEL, logger)
                : async () => undefined,
            }
          : undefined,
      chargeKey: options.withoutRateLimit
        ? undefined
        : (owner, keyId) => runtime.limiter.consume(owner, keyId),
    });
    const keyUsed = createLastUsedTracker(runtime.repos, logger);
    const signInThrottle = createSignInThrottle(runtime.redis);
    if (!options.clusterWorker)
      await ensureConsoleBuilt().then(
        (built) => built && logger.info('console built'),
        (error: unknown) => logger.warn({ err: error }, 'console not built: /console answers 503'),
      );
    const app = assembleApp({
      provider,
      trustProxy: config.trustProxy,
      admin: adminRouter({ domain: runtime.domain, limiter: runtime.limiter, signInThrottle }),
      openapi: openApiRoutes(config.issuer),
      interactions: interactionRoutes({
        provider,
        users: runtime.domain.users,
        render: createRenderer(),
        throttle: signInThrottle,
        csrfKey: deriveKey(runtime.serverSecret, 'csrf'),
        logger,
      }),
      console: consoleRoutes(),
      authenticate: { provider, repos: runtime.repos, clients },
      limiter: options.withoutRateLimit ? undefined : runtime.limiter,
      redis: runtime.redis,
      refusals: options.refusals,
      onTokenIssued: (clientId, grant) => {
        metrics.tokensIssued.inc({ grant });
        keyUsed(clientId);
      },
      logger,
      ping: () => pingMongo(runtime.database.connection),
    });

    const metricsUrl = options.clusterWorker
      ? answerMetricsToPrimary(metrics.registry)
      : await startMetricsListener(metrics.registry, {
          host: config.metricsHost,
          port: config.metricsPort,
        }).then((listener) => {
          cleanups.push(() => listener.close());
          return listener.url;
        });

    const server = http.createServer(app.callback());
    server.on('clientError', answerClientError);
    server.listen(config.port);
    await once(server, 'listening');
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info(
      {
        port,
        issuer: config.issuer,
        metrics: metricsUrl,
        embeddedDatabase: runtime.database.embedded,
      },
      options.clusterWorker ? 'appkeys worker listening' : 'appkeys listening',
    );

    return {
      url: `http://127.0.0.1:${port}`,
      port,
      metricsUrl,
      forgetClient: (clientId) => clientCache.forget(clientId),
      async close() {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs ?? 10_000);
        await closed;
        clearTimeout(force);
        await cleanUp();
        logger.info('appkeys stopped');
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
