import { z } from 'zod';
import type { ApplicationKey } from '../domain/types.ts';
import { resultsMeta } from './shapes.ts';

/**
 * An owner's rate limit as the console charts it: the limit, the reserved sum and the shared
 * pool over all keys, this second's use of each bucket, and a page of the keys with reservations.
 */
export const rateLimitViewOutput = z.object({
  data: z.object({
    rate_limit: z.number().int().min(1),
    reserved: z.number().int().min(0),
    shared_pool: z.number().int().min(0),
    /** Requests counted against each bucket in the current one-second window. */
    usage: z.object({ shared_pool: z.number().min(0) }),
    keys: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        reserved_rate_limit: z.number().int().min(0),
        usage: z.object({ reserved: z.number().min(0) }),
      }),
    ),
  }),
  // `keys` is paginated (page[offset], page[limit]); the totals above cover all keys
  meta: z.object({ results: resultsMeta }),
});

export type RateLimitView = {
  rateLimit: number;
  reserved: number;
  sharedPool: number;
  keys: ApplicationKey[];
  total: number;
};
export type Usage = { shared: number; keys: ReadonlyMap<string, number> };

export function presentRateLimitView(
  view: RateLimitView,
  usage: Usage,
  page: { offset: number; limit: number },
): z.output<typeof rateLimitViewOutput> {
  return {
    data: {
      rate_limit: view.rateLimit,
      reserved: view.reserved,
      shared_pool: view.sharedPool,
      usage: { shared_pool: usage.shared },
      keys: view.keys.map((key) => ({
        id: key.id,
        name: key.name,
        reserved_rate_limit: key.reservedRateLimit,
        usage: { reserved: usage.keys.get(key.id) ?? 0 },
      })),
    },
    meta: { results: { total: view.total, ...page } },
  };
}
