import Router from '@koa/router';
import type { Registry } from 'prom-client';

/** `/metrics` in the Prometheus text format. */
export function metricsRoute(registry: Registry): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
  return router;
}
