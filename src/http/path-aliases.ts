import type { Context, Next } from 'koa';
import { oauthAliases } from '../oauth/endpoints.ts';

/** Compatibility paths of the product we replace, served by oidc-provider's own routes (after canonicalPath). */
export async function pathAliases(ctx: Context, next: Next): Promise<void> {
  const target = oauthAliases[ctx.path];
  if (target) ctx.path = target;
  await next();
}
