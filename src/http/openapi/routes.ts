import Router from '@koa/router';
import { openApiDocument } from './document.ts';

/**
 * `GET /v2/openapi.json`: mounted before authentication, so it needs no token and is charged to
 * no owner. Built once per server, when the routes are made.
 */
export function openApiRoutes(issuer: string): Router {
  const document = JSON.stringify(openApiDocument(issuer));
  const router = new Router({ sensitive: true, strict: true });
  router.get('/v2/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = document;
  });
  return router;
}
