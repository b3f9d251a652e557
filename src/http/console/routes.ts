import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Router from '@koa/router';
import type { Context } from 'koa';
import { consoleAssetsDir } from './build-assets.ts';

/**
 * Everything the console loads comes from here: no inline script or style, no other origin. The
 * API and the authorization server are the same origin (`connect-src 'self'`); sign-in is a
 * top-level navigation to the issuer's /auth.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const ASSETS: Record<string, string> = {
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

/**
 * The console: its assets under /console/assets/, and its page for /console, the sign-in callback
 * and every client-side route below /console/ (the page's script routes by path).
 */
export function consoleRoutes(assetsDir = consoleAssetsDir): Router {
  const router = new Router();
  const files = new Map<string, Buffer>();
  const load = async (name: string) => {
    let body = files.get(name);
    if (!body) {
      body = await readFile(path.join(assetsDir, name));
      files.set(name, body);
    }
    return body;
  };
  const send = async (ctx: Context, name: string, type: string, cache: string) => {
    try {
      ctx.body = await load(name);
    } catch {
      ctx.status = 503;
      ctx.type = 'text/plain';
      ctx.body =
        'The console is not built: run `npm start` (or `node --import tsx src/http/console/build-assets.ts`).';
      return;
    }
    ctx.type = type;
    ctx.set('Cache-Control', cache);
    ctx.set('Content-Security-Policy', CONSOLE_CSP);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
  };

  router.get('/console/assets/:file', async (ctx) => {
    const type = ASSETS[ctx.params.file ?? ''];
    if (!type) return; // not ours: falls through to the 404
    await send(ctx, ctx.params.file ?? '', type, 'no-cache');
  });
  const page = (ctx: Context) => send(ctx, 'index.html', 'text/html; charset=utf-8', 'no-store');
  router.get('/console', page);
  router.get('/console/{*rest}', page);
  return router;
}
