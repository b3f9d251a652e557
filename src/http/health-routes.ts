import Router from '@koa/router';

/** `/healthz`: the process is alive. `/readyz`: it can reach its database. */
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
      ctx.body = {
        errors: [{ status: 503, title: 'Service Unavailable', detail: 'The database is unreachable.' }],
      };
    }
  });
  return router;
}
