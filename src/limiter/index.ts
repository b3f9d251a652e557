/**
 * Public entry point (`appkeys/limiter`, built to dist/limiter/ by `npm run build`): the appkeys
 * rate limiter as Koa middleware for other resource servers. Mounted with the same Redis as appkeys,
 * it charges each request made with an appkeys token to the same buckets as the admin API: the
 * key's reservation, then the owner's shared pool. Limits come from the configuration hashes appkeys
 * publishes in Redis; with `mongodbUri` a missing hash is reloaded from the database (mongoose is
 * imported only then), without it the request gets 503. See README "Rate limits".
 */
import type { Context, Middleware, Next } from 'koa';
import { pino, type Logger } from 'pino';
import { AppError } from '../errors.ts';
import { createRedis } from '../infra/redis.ts';
import { rateLimitHeaders } from './headers.ts';
import { createIntrospectionCache, type TokenSubject } from './introspection-cache.ts';
import { createLimiter } from './limiter.ts';
import { redisLimitsLoader } from './redis-limits.ts';

export { createLimiter, type Limiter } from './limiter.ts';
export { rateLimitHeaders } from './headers.ts';
export type { Decision, OwnerLimits } from './gcra.ts';
export type { TokenSubject } from './introspection-cache.ts';

export type RateLimitMiddlewareOptions = {
  /** The Redis appkeys uses (REDIS_URL). */
  redisUrl: string;
  /**
   * The database appkeys uses (MONGODB_URI), read when Redis holds no limits for an owner. Optional:
   * without it limits come from Redis alone, and a request whose owner has none there (yet) gets
   * 503 with Retry-After: 1 (appkeys republishes them on the owner's next request to it).
   */
  mongodbUri?: string;
  /** appkeys' introspection endpoint and a resource server's credentials (`appkeys resource-server create`). */
  introspection: { url: string; clientId: string; clientSecret: string; cacheMs?: number };
  expectedInstances?: number;
  logger?: Logger;
  /** Scopes every request through `middleware` must carry (403 insufficient_scope otherwise). */
  requiredScopes?: string[];
};

/** What `createRateLimitMiddleware` returns. */
export type RateLimitMiddleware = {
  /** Checks the token (and `requiredScopes`), then charges it. */
  middleware: Middleware;
  /** The same middleware for one route, requiring these scopes instead (use one of them per request). */
  withScopes(requiredScopes: string[]): Middleware;
  close(): Promise<void>;
};

const problem = (ctx: Context, status: number, title: string, detail: string, code?: string) => {
  ctx.status = status;
  ctx.body = { errors: [{ status, title, detail, ...(code && { code }) }] };
};

/** The token's scopes lacking from `required`. */
const lackingScopes = (subject: TokenSubject, required: readonly string[]) => {
  const held = new Set(subject.scope.split(' '));
  return required.filter((scope) => !held.has(scope));
};

/**
 * Returns the middleware, per-route variants requiring scopes, and a `close()` for shutdown. On
 * success `ctx.state.appkeys` holds the token's subject (client id, key id, owner, scope). A token
 * without a required scope gets 403 (`insufficient_scope`, RFC 6750) and is charged nothing.
 */
export async function createRateLimitMiddleware(
  options: RateLimitMiddlewareOptions,
): Promise<RateLimitMiddleware> {
  const logger = options.logger ?? pino({ level: 'warn' });
  // mongoose only when asked for: a resource server without a database never loads it
  const database = options.mongodbUri
    ? await (await import('./database-limits.ts')).connectLimitsDatabase(options.mongodbUri)
    : undefined;
  const redis = createRedis(options.redisUrl, logger);
  const limiter = createLimiter({
    loadLimits: database?.loadLimits ?? redisLimitsLoader(redis),
    redis,
    expectedInstances: options.expectedInstances,
    logger,
  });
  const subjectOf = createIntrospectionCache(options.introspection);

  const withScopes = (requiredScopes: readonly string[]) =>
    async function rateLimitMiddleware(ctx: Context, next: Next): Promise<void> {
      const token = /^Bearer (\S+)$/i.exec(ctx.get('authorization'))?.[1];
      let subject: TokenSubject | undefined;
      try {
        subject = token ? await subjectOf(token) : undefined;
      } catch (error) {
        logger.error({ err: error }, 'token introspection failed');
        return problem(ctx, 503, 'Service Unavailable', 'The token could not be checked; retry shortly.');
      }
      if (!subject) {
        ctx.set('WWW-Authenticate', 'Bearer');
        return problem(
          ctx,
          401,
          'Unauthorized',
          'Send a valid appkeys access token as Authorization: Bearer <token>.',
        );
      }
      const lacking = lackingScopes(subject, requiredScopes);
      if (lacking.length) {
        ctx.set('WWW-Authenticate', `Bearer error="insufficient_scope", scope="${requiredScopes.join(' ')}"`);
        return problem(
          ctx,
          403,
          'Forbidden',
          `The token lacks the scope ${lacking.join(' ')}.`,
          'insufficient_scope',
        );
      }
      let decision: Awaited<ReturnType<typeof limiter.consume>>;
      try {
        decision = await limiter.consume(subject.owner, subject.keyId);
      } catch (error) {
        // limits unknown (no database and none in Redis, or the database failed): refuse, never unlimited
        logger.warn({ err: error, owner: subject.owner }, 'rate limits unavailable');
        const known = error instanceof AppError && error.expose ? error : undefined;
        ctx.set('Retry-After', known?.headers['Retry-After'] ?? '1');
        return problem(
          ctx,
          503,
          'Service Unavailable',
          known?.message ?? 'The rate limit could not be checked; retry shortly.',
        );
      }
      const headers = rateLimitHeaders(decision);
      ctx.set(headers);
      if (!decision.allowed)
        return problem(
          ctx,
          429,
          'Too Many Requests',
          `Rate limit exceeded; retry after ${headers['Retry-After']} s.`,
        );
      ctx.state.appkeys = subject;
      await next();
    };

  return {
    middleware: withScopes(options.requiredScopes ?? []),
    withScopes,
    async close() {
      limiter.close();
      redis.disconnect();
      await database?.close();
    },
  };
}
