import type { Context } from 'koa';
import { AppError } from '../../errors.ts';

type MatchedLayer = { methods?: string[] };

/**
 * The end of the admin API's chain: no route answered. When the path exists with other methods
 * (@koa/router records path matches in `ctx.matched`), 405 with `Allow`; otherwise 404.
 */
export function notFound(ctx: Context): never {
  const allowed = new Set(((ctx.matched ?? []) as MatchedLayer[]).flatMap((layer) => layer.methods ?? []));
  if (allowed.size)
    throw new AppError('method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}.`, {
      headers: { Allow: [...allowed].join(', ') },
    });
  throw new AppError('not_found', `No resource at ${ctx.method} ${ctx.path}.`);
}
