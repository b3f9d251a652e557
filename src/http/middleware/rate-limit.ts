import type { Context, Next } from 'koa';
import type { Actor } from '../../domain/actors.ts';
import type { OwnerRef } from '../../domain/types.ts';
import { AppError } from '../../errors.ts';
import type { Limiter } from '../../limiter/limiter.ts';
import { rateLimitHeaders } from '../../limiter/headers.ts';
import { actorOf } from './authenticate.ts';

const ownerPath = /^\/v2\/(organizations|stores)\/([^/]+)/;

/** The owner an admin path acts on (`/v2/stores/{id}/...`, `/v2/organizations/{id}/...`), if any. */
function ownerInPath(path: string): OwnerRef | undefined {
  const match = ownerPath.exec(path);
  if (!match?.[2]) return undefined;
  return { type: match[1] === 'stores' ? 'store' : 'organization', id: decodeURIComponent(match[2]) };
}

/**
 * Who pays for a request: a key's (or storefront token's) key and owner; a person the shared pool
 * of the owner the path acts on (no reservation). Requests of people outside an owner's paths
 * (`/v2/me`, creating organizations) and of the CLI are not limited.
 */
function payer(actor: Actor, path: string): { owner: OwnerRef; keyId: string } | undefined {
  if (actor.kind === 'application_key' || actor.kind === 'storefront')
    return { owner: actor.owner, keyId: actor.keyId };
  if (actor.kind === 'user') {
    const owner = ownerInPath(path);
    return owner && { owner, keyId: '' };
  }
  return undefined;
}

/**
 * Charges every authenticated admin request to its key's reservation, then the owner's shared
 * pool; answers 429 with Retry-After when both are spent. Every limited response carries
 * RateLimit-Policy and RateLimit naming the pool charged.
 */
export function rateLimit(limiter: Limiter) {
  return async function rateLimitMiddleware(ctx: Context, next: Next): Promise<void> {
    const charged = payer(actorOf(ctx), ctx.path);
    if (!charged) return next();
    const decision = await limiter.consume(charged.owner, charged.keyId);
    const headers = rateLimitHeaders(decision);
    ctx.set(headers);
    if (!decision.allowed)
      throw new AppError(
        'rate_limited',
        `Rate limit exceeded for the ${charged.owner.type}'s ${decision.pool === 'key' ? "key's reservation and its shared pool" : 'shared pool'}; retry after ${headers['Retry-After']} s.`,
        { headers },
      );
    await next();
  };
}
