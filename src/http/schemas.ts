import { z } from 'zod';

/** Shapes shared by the admin API's request schemas. */
export const name = z.string().trim().min(1, 'must not be empty').max(255);
export const rateLimit = z.number().int('must be a whole number').min(1).max(1_000_000);
export const reservedRateLimit = z.number().int('must be a whole number').min(0).max(1_000_000);

/** A browser origin: scheme, host and optional port, nothing else. Normalised like `URL.origin`. */
export const origin = z.string().transform((value, ctx) => {
  try {
    const url = new URL(value);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && value.replace(/\/$/, '') === url.origin)
      return url.origin;
  } catch {
    // reported below
  }
  ctx.addIssue({
    code: 'custom',
    message: `${JSON.stringify(value)} is not an origin like https://shop.example.com`,
  });
  return z.NEVER;
});

/** `{"data": {...}}` with exactly the given fields. */
export const envelope = <T extends z.ZodRawShape>(shape: T) =>
  z.strictObject({ data: z.strictObject(shape) });

const integer = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min).max(max))
    .default(fallback);

/** `page[offset]` and `page[limit]` (at most 100). Other query parameters are ignored. */
export const pageQuery = z.looseObject({
  'page[offset]': integer(0, Number.MAX_SAFE_INTEGER, 0),
  'page[limit]': integer(1, 100, 50),
});

export const toPage = (query: z.output<typeof pageQuery>) => ({
  offset: query['page[offset]'],
  limit: query['page[limit]'],
});
