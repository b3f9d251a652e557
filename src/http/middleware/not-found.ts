import type { Context } from 'koa';
import { AppError } from '../../errors.ts';

/** The end of the admin API's chain: nothing matched. */
export function notFound(ctx: Context): never {
  throw new AppError('not_found', `No resource at ${ctx.method} ${ctx.path}.`);
}
