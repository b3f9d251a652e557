import type { Redis } from 'ioredis';
import type { Context, Next } from 'koa';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { counterLimiter as limiter } from '../infra/counter-limiter.ts';
import { createExpiringKeys } from '../infra/expiring-keys.ts';
import { sentForm } from '../http/form-body.ts';
import { clientAuthenticatedPaths } from './endpoints.ts';

/** How long this instance trusts a clean read of a caller's counters (no Redis read meanwhile). */
export const CLEAN_FOR_MS = 1000;

/** The client id of HTTP Basic credentials as sent (still form-encoded: only a key for counting). */
function basicClientId(ctx: Context): string | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(ctx.get('authorization'));
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? decoded.slice(0, colon) : undefined;
}

function formClientId(ctx: Context): string | undefined {
  const value = sentForm(ctx)?.client_id;
  return typeof value === 'string' ? value : undefined;
}

/** Milliseconds until `res`'s counter empties when it holds `points` or more, else 0. */
const overFor = (res: RateLimiterRes | null, points: number) =>
  res instanceof RateLimiterRes && res.consumedPoints >= points ? Math.max(1, res.msBeforeNext) : 0;

/**
 * Slows down guessing of client secrets (rate-limiter-flexible): failed client authentications
 * are counted per address and client id (10 a minute) and per address (100 a minute); past either,
 * the caller gets 429 with Retry-After for that minute. Counting per address, not per client id
 * alone, means nobody can lock a key out by failing on purpose from elsewhere. Secrets have 256
 * bits, so this is about load and noise more than about guessing.
 *
 * The counters live in Redis when there is one (shared by all instances), but a caller that
 * does not fail costs no Redis round trip on most requests:
 * - a failure is counted at once (INCR of both counters); the answer says whether the caller is
 *   now over, and this instance then refuses it without asking Redis until its minute ends;
 * - before authentication, the counters are read (two GETs) unless this instance read them within
 *   the last second (`CLEAN_FOR_MS`) and found the caller under both limits, and has seen no
 *   failure of it since.
 * With several instances: every failure counts everywhere at once, and an instance learns that a
 * caller is over from the first read or failure there. A lockout reached through other instances
 * therefore holds here within a second for a caller whose clean read is that recent (only a
 * caller that just succeeded here has one), and at once otherwise; a guesser gets at most one
 * extra guess per instance per minute, the failure that tells that instance.
 */
export function throttleFailedClientAuth(
  redis?: Redis,
  options = { perClient: 10, perAddress: 100, seconds: 60 },
) {
  const perClient = limiter(redis, 'appkeys:authfail:client', options.perClient, options.seconds);
  const perAddress = limiter(redis, 'appkeys:authfail:ip', options.perAddress, options.seconds);
  /** Callers (client key) and addresses known here to be over, until their counters empty. */
  const over = createExpiringKeys();
  /** Callers (address and client id) whose counters were read here lately and were under. */
  const clean = createExpiringKeys();

  /** Remembers what counters read or incremented said; returns how long the caller is refused. */
  function learn(
    keys: readonly [string, string],
    client: RateLimiterRes | null,
    address: RateLimiterRes | null,
  ) {
    const refusedFor = [
      [keys[0], overFor(client, options.perClient)],
      [keys[1], overFor(address, options.perAddress)],
    ] as const;
    for (const [key, ms] of refusedFor) if (ms) over.hold(key, ms);
    return Math.max(refusedFor[0][1], refusedFor[1][1]);
  }

  /** Milliseconds the caller is refused for (0: let it try), reading Redis only when it must. */
  async function refusedFor(keys: readonly [string, string]): Promise<number> {
    const known = Math.max(over.remaining(keys[0]), over.remaining(keys[1]));
    if (known || clean.remaining(keys[0])) return known;
    const [client, address] = await Promise.all([perClient.get(keys[0]), perAddress.get(keys[1])]);
    const ms = learn(keys, client, address);
    if (!ms) clean.hold(keys[0], CLEAN_FOR_MS);
    return ms;
  }

  return async function throttleFailedClientAuthMiddleware(ctx: Context, next: Next): Promise<void> {
    if (ctx.method !== 'POST' || !clientAuthenticatedPaths.has(ctx.path)) return next();
    const clientId = basicClientId(ctx) ?? formClientId(ctx) ?? '';
    const keys = [`${ctx.ip}|${clientId}`, ctx.ip] as const;
    const ms = await refusedFor(keys);
    if (ms) {
      ctx.status = 429;
      ctx.set('Retry-After', String(Math.max(1, Math.ceil(ms / 1000))));
      ctx.body = {
        error: 'slow_down',
        error_description: 'too many failed client authentications; retry later',
      };
      return;
    }
    await next();
    const body = ctx.body as { error?: string } | undefined;
    if (ctx.status === 401 && body?.error === 'invalid_client') {
      clean.release(keys[0]);
      const counted = await Promise.all([
        perClient.penalty(keys[0], 1),
        perAddress.penalty(keys[1], 1),
      ]).catch(() => undefined);
      if (counted) learn(keys, counted[0], counted[1]);
    }
  };
}
