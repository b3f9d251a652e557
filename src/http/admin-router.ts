import Router from '@koa/router';

/** The admin API under /v2; resource modules register their routes on it. */
export function adminRouter(): Router {
  return new Router({ prefix: '/v2' });
}
