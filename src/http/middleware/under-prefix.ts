import type { Context, Middleware, Next } from 'koa';

/** Runs `middleware` only for paths under `prefix` (the path itself or `prefix/...`). */
export function underPrefix(prefix: string, middleware: Middleware): Middleware;
/** A router's middleware keeps its own context type. */
export function underPrefix<C extends Context, R>(
  prefix: string,
  middleware: (ctx: C, next: Next) => R,
): (ctx: C, next: Next) => R | Promise<void>;
export function underPrefix(prefix: string, middleware: Middleware): Middleware {
  return (ctx: Context, next: Next) =>
    ctx.path === prefix || ctx.path.startsWith(`${prefix}/`) ? middleware(ctx, next) : next();
}
