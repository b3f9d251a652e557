import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from '../../infra/logger.ts';

const validRequestId = /^[\w.:-]{1,128}$/;

/** Gives every request an id (X-Request-Id, echoed back) and logs one line when it ends. */
export function requestLog(logger: Logger) {
  return async function requestLogMiddleware(ctx: Context, next: Next): Promise<void> {
    const incoming = ctx.get('x-request-id');
    const id = validRequestId.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = id;
    ctx.set('X-Request-Id', id);
    const started = performance.now();
    try {
      await next();
    } finally {
      logger.info(
        {
          requestId: id,
          method: ctx.method,
          path: ctx.path,
          status: ctx.status,
          ms: Math.round((performance.now() - started) * 100) / 100,
        },
        'request',
      );
    }
  };
}
