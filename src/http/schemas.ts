import { z } from 'zod';
import { isRegistrableResourceScope, RESOURCE_SCOPE_PATTERN } from '../domain/scopes.ts';
import { TOKEN_FORMATS } from '../domain/types.ts';

/** Shapes shared by the admin API's request schemas. */
export const name = z.string().trim().min(1, 'must not be empty').max(255);
export const rateLimit = z.number().int('must be a whole number').min(1).max(1_000_000);
export const reservedRateLimit = z.number().int('must be a whole number').min(0).max(1_000_000);

/** The format of a key's access tokens: `opaque` (stored) or `jwt` (RFC 9068, signed, not stored). */
export const tokenFormat = z.enum(TOKEN_FORMATS);

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

/** A key's scopes as sent: admin or registered resource scopes (the domain says which are known). */
export const scopeList = z
  .array(
    z
      .string()
      .min(1)
      .max(130)
      .regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be a scope token (RFC 6749 section 3.3)'),
  )
  .max(100);

/** A resource scope a resource server registers: `resource:action`, lower case, not one of ours. */
export const resourceScope = z
  .string()
  .regex(RESOURCE_SCOPE_PATTERN, 'must look like orders:read (lower case resource:action)')
  .refine(isRegistrableResourceScope, 'is (or reads like) an appkeys admin scope, not a resource scope');

/** A comma-separated list on the command line: `a,b` (pipe it into the list's schema). */
export const commaList = z
  .string()
  .transform((value) => (value.trim() === '' ? [] : value.split(',').map((part) => part.trim())));
