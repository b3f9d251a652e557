import type { Context, Next } from 'koa';

/**
 * `Cache-Control: no-store` on every response it wraps, errors included: admin responses carry
 * client secrets, TOTP secrets and tenants' data, which no browser or shared cache may keep.
 * Set before and after the rest runs, so neither a route nor error rendering can drop it.
 */
export async function noStore(ctx: Context, next: Next): Promise<void> {
  ctx.set('Cache-Control', 'no-store');
  try {
    await next();
  } finally {
    ctx.set('Cache-Control', 'no-store');
  }
}
