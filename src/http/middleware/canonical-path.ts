import type { Context, Next } from 'koa';
import { AppError } from '../../errors.ts';
import type { PathCanonicaliser } from '../canonical-path.ts';
import { presentError } from '../../resources/errors.ts';

const adminPath = /^\/v2(\/|$)/i;

/**
 * The first step of every request: `ctx.path` becomes its canonical spelling (see
 * canonical-path.ts), so every later middleware and router sees the same path. Malformed
 * percent-encoding answers 400 in the body of the API the path is under.
 */
export function canonicalPath(canonicalise: PathCanonicaliser) {
  return async function canonicalPathMiddleware(ctx: Context, next: Next): Promise<void> {
    const canonical = canonicalise(ctx.path);
    if (!canonical.ok) {
      ctx.status = 400;
      ctx.body = adminPath.test(ctx.path)
        ? presentError(new AppError('bad_request', canonical.reason))
        : { error: 'invalid_request', error_description: canonical.reason };
      return;
    }
    if (canonical.path !== ctx.path) ctx.path = canonical.path;
    await next();
  };
}
