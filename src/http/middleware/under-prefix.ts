import type { Context, Middleware, Next } from 'koa';

/** Runs `middleware` only for paths under `prefix` (the path itself or `prefix/...`). */
export function underPrefix(prefix: string, middleware: Middleware): Middleware {
  return (ctx: Context, next: Next) =>
    ctx.path === prefix || ctx.path.startsWith(`${prefix}/`) ? middleware(ctx, next) : next();
}
