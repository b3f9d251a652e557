import type { Decision } from './gcra.ts';

const seconds = (us: number) => Math.max(0, Math.ceil(us / 1_000_000));

/**
 * The IETF httpapi RateLimit headers (draft-ietf-httpapi-ratelimit-headers): the policies that
 * apply to the caller (its reservation, if any, and the owner's shared pool, each q requests per
 * w = 1 second) and the state of the pool that was charged (r remaining, t seconds to reset).
 */
export function rateLimitHeaders(decision: Decision): Record<string, string> {
  const policies = [
    ...(decision.keyQuota > 0 ? [`"key";q=${decision.keyQuota};w=1`] : []),
    `"shared";q=${decision.sharedQuota};w=1`,
  ];
  const headers: Record<string, string> = {
    'RateLimit-Policy': policies.join(', '),
    RateLimit: `"${decision.pool}";r=${decision.remaining};t=${seconds(decision.resetUs)}`,
  };
  if (!decision.allowed) headers['Retry-After'] = String(Math.max(1, seconds(decision.retryAfterUs)));
  return headers;
}
