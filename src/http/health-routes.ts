import Router from '@koa/router';
import { RETRY_AFTER_SECONDS } from '../infra/mongo/unavailable.ts';

/**
 * `/healthz`: the process is alive. `/readyz`: it can reach its database; `ping` answers or
 * fails within 1.5 s, so readiness never hangs.
 */
export function healthRoutes(deps: { ping: () => Promise<void> }): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    try {
      await deps.ping();
      ctx.body = { status: 'ok' };
    } catch {
      ctx.status = 503;
      ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
      ctx.body = {
        errors: [{ status: 503, title: 'Service Unavailable', detail: 'The database is unreachable.' }],
      };
    }
  });
  return router;
}
