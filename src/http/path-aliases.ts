import type { Context, Next } from 'koa';

/** Compatibility paths of the product we replace, served by oidc-provider's own routes. */
const aliases: Record<string, string> = {
  '/oauth/access_token': '/token',
};

export async function pathAliases(ctx: Context, next: Next): Promise<void> {
  const target = aliases[ctx.path];
  if (target) ctx.path = target;
  await next();
}
