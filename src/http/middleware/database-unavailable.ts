import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { Logger } from '../../infra/logger.ts';
import { asDatabaseUnavailable, isDatabaseUnavailable } from '../../infra/mongo/unavailable.ts';

/**
 * Answers 503 with Retry-After and an RFC 6749 `temporarily_unavailable` body when the database
 * fails a request outside /v2 (which renders its own errors). oidc-provider catches the errors of
 * its endpoints itself and answers 500 `server_error`; it reports them in its `server_error`
 * event, where the request is marked so that this middleware, running outermost, can put the
 * truthful answer in place of the 500.
 */
export function answerDatabaseUnavailable(provider: Provider, logger: Logger) {
  provider.on('server_error', (ctx: Context, error: unknown) => {
    if (isDatabaseUnavailable(error)) ctx.state.databaseUnavailable = error;
  });
  return async function answerDatabaseUnavailableMiddleware(ctx: Context, next: Next): Promise<void> {
    let thrown: unknown;
    try {
      await next();
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      thrown = error;
    }
    const unavailable = asDatabaseUnavailable(thrown ?? ctx.state.databaseUnavailable);
    if (!unavailable) return;
    logger.warn({ path: ctx.path, reason: String(unavailable.cause) }, 'database unavailable');
    ctx.status = unavailable.status;
    ctx.set(unavailable.headers);
    ctx.set('Cache-Control', 'no-store');
    ctx.remove('Location');
    ctx.body = { error: 'temporarily_unavailable', error_description: unavailable.message };
  };
}
