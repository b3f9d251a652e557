import type { Context, Next } from 'koa';
import { AppError, errorStatus, type ErrorCode } from '../../errors.ts';
import type { Logger } from '../../infra/logger.ts';
import { asDatabaseUnavailable } from '../../infra/mongo/unavailable.ts';
import { presentError } from '../../resources/errors.ts';

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const unavailable = asDatabaseUnavailable(error);
  if (unavailable) return unavailable;
  const status = (error as { status?: unknown }).status;
  const expose = (error as { expose?: unknown }).expose === true;
  // koa's own errors (ctx.throw, body parsing) carry a status and an expose flag.
  if (typeof status === 'number' && status >= 400 && status < 500 && expose) {
    const code =
      (Object.keys(errorStatus) as ErrorCode[]).find((c) => errorStatus[c] === status) ?? 'bad_request';
    return new AppError(code, (error as Error).message, { cause: error });
  }
  return new AppError('internal', 'Internal Server Error', { cause: error, expose: false });
}

/**
 * Renders every error of our routes as `{"errors": [{status, title, detail, code}]}`.
 * Unexposed errors (anything unexpected) become a generic 500 and are logged with their cause.
 */
export function renderErrors(logger: Logger) {
  return async function renderErrorsMiddleware(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (thrown) {
      const error = toAppError(thrown);
      if (!error.expose) logger.error({ err: error.cause ?? error, path: ctx.path }, 'request failed');
      else if (error.code === 'unavailable')
        logger.warn({ path: ctx.path, reason: String(error.cause ?? error.message) }, 'database unavailable');
      ctx.status = error.status;
      ctx.set(error.headers);
      // every 401 names the scheme (RFC 6750 section 3), also when the domain refuses a token
      if (error.status === 401 && !ctx.response.get('WWW-Authenticate'))
        ctx.set('WWW-Authenticate', 'Bearer realm="appkeys"');
      ctx.body = presentError(error);
    }
  };
}
