import type { Redis } from 'ioredis';
import type { Context, Next } from 'koa';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { counterLimiter as limiter } from '../infra/counter-limiter.ts';
import { clientAuthenticatedPaths } from './endpoints.ts';

/** The client id of HTTP Basic credentials as sent (still form-encoded: only a key for counting). */
function basicClientId(ctx: Context): string | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(ctx.get('authorization'));
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? decoded.slice(0, colon) : undefined;
}

/**
 * Slows down guessing of client secrets (rate-limiter-flexible): failed client authentications
 * are counted per address and client id (10 a minute) and per address (100 a minute); past either,
 * the address gets 429 with Retry-After for that minute. Counting per address, not per client id
 * alone, means nobody can lock a key out by failing on purpose from elsewhere. Secrets have 256
 * bits, so this is about load and noise more than about guessing.
 */
export function throttleFailedClientAuth(
  redis?: Redis,
  options = { perClient: 10, perAddress: 100, seconds: 60 },
) {
  const perClient = limiter(redis, 'appkeys:authfail:client', options.perClient, options.seconds);
  const perAddress = limiter(redis, 'appkeys:authfail:ip', options.perAddress, options.seconds);

  return async function throttleFailedClientAuthMiddleware(ctx: Context, next: Next): Promise<void> {
    if (ctx.method !== 'POST' || !clientAuthenticatedPaths.has(ctx.path)) return next();
    const clientId = basicClientId(ctx) ?? ctx.state.formClientId ?? '';
    const keys = [`${ctx.ip}|${clientId}`, ctx.ip] as const;
    const [client, address] = await Promise.all([perClient.get(keys[0]), perAddress.get(keys[1])]);
    const blocked = [
      [client, options.perClient],
      [address, options.perAddress],
    ].find(([res, points]) => res instanceof RateLimiterRes && res.consumedPoints >= (points as number));
    if (blocked) {
      ctx.status = 429;
      ctx.set(
        'Retry-After',
        String(Math.max(1, Math.ceil((blocked[0] as RateLimiterRes).msBeforeNext / 1000))),
      );
      ctx.body = {
        error: 'slow_down',
        error_description: 'too many failed client authentications; retry later',
      };
      return;
    }
    await next();
    const body = ctx.body as { error?: string } | undefined;
    if (ctx.status === 401 && body?.error === 'invalid_client') {
      await Promise.all([perClient.penalty(keys[0], 1), perAddress.penalty(keys[1], 1)]).catch(
        () => undefined,
      );
    }
  };
}
