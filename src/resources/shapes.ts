import { z } from 'zod';
import { isRegistrableResourceScope, RESOURCE_SCOPE_PATTERN } from '../domain/scopes.ts';

/**
 * Shapes every resource module shares: the input fields the admin API and the CLI validate, and
 * the output pieces (owners, timestamps, list metadata) every presenter returns. The OpenAPI
 * document is generated from these same schemas (src/http/openapi/), so what is validated, what
 * is answered and what is documented cannot drift apart.
 */

/** A name: at most 255 characters, not blank; stored trimmed. */
export const name = z.string().max(255).regex(/\S/, 'must not be empty').trim();
export const rateLimit = z.number().int('must be a whole number').min(1).max(1_000_000);
export const reservedRateLimit = z.number().int('must be a whole number').min(0).max(1_000_000);

const octet = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const label = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const topLabel = '[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?';
const port = '(?:6553[0-5]|655[0-2]\\d|65[0-4]\\d\\d|6[0-4]\\d{3}|[1-5]\\d{4}|[1-9]\\d{0,3}|0)';
/**
 * A browser origin: http(s), a lower-case host name or IPv4 address, an optional port, nothing
 * else (a trailing slash is forgiven). The pattern is exact, so the OpenAPI document says which
 * strings are accepted; normalised like `URL.origin` (a default port is dropped).
 */
const ORIGIN = new RegExp(
  `^https?://(?:(?:${label}\\.)*${topLabel}|(?:${octet}\\.){3}${octet})(?::${port})?/?$`,
);
export const origin = z
  .string()
  .max(300)
  .regex(ORIGIN, 'must be an origin like https://shop.example.com (lower case, no path)')
  .transform((value, ctx) => {
    try {
      return new URL(value).origin;
    } catch {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a valid origin` });
      return z.NEVER;
    }
  });

/** `{"data": {...}}` with exactly the given fields. */
export const envelope = <T extends z.ZodRawShape>(shape: T) =>
  z.strictObject({ data: z.strictObject(shape) });

/** A whole number in a query string or on the command line, within bounds. */
export const queryInteger = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** `page[offset]` and `page[limit]` (at most 100). Other query parameters are ignored. */
export const pageQuery = z.looseObject({
  'page[offset]': queryInteger(0, 2_147_483_647).default(0).describe('How many items to skip.'),
  'page[limit]': queryInteger(1, 100).default(50).describe('How many items to return (at most 100).'),
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

/** Explains zod's issues in one sentence a client can act on: where, and what is wrong. */
export function describeIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'body'}: ${issue.message}`)
    .join('; ');
}

// ---- output pieces ----

/** An ISO 8601 instant as `Date.toISOString` writes it (documented as a date-time). */
export const timestamp = z.string().meta({ format: 'date-time' });
export const iso = (date: Date): string => date.toISOString();
export const isoOrNull = (date: Date | null): string | null => (date ? date.toISOString() : null);

export const ownerOutput = z.object({ type: z.enum(['organization', 'store']), id: z.string() });

/** `meta.timestamps` of a stored resource. */
export const timestampsMeta = z.object({
  timestamps: z.object({ created_at: timestamp, updated_at: timestamp }),
});

/** `{"data": resource}`. */
export const single = <T extends z.ZodType>(resource: T) => z.object({ data: resource });

/** `{"data": resource}`, with `meta.warnings` when a change left the shared pool empty. */
export const singleWithWarnings = <T extends z.ZodType>(resource: T) =>
  z.object({ data: resource, meta: z.object({ warnings: z.array(z.string()).min(1) }).optional() });

/** `meta.results` of a paginated list: the total and the page served. */
export const resultsMeta = z.object({
  total: z.number().int().min(0),
  offset: z.number().int().min(0),
  limit: z.number().int().min(1).max(100),
});

/** `{"data": [resources], "meta": {"results": ...}}`, with more `meta` fields when given. */
export const list = <T extends z.ZodType, M extends z.ZodRawShape>(resource: T, meta?: M) =>
  z.object({ data: z.array(resource), meta: z.object({ results: resultsMeta, ...meta }) });

/** `meta.warnings` when there are any. */
export const withWarnings = (warnings: string[]): { meta?: { warnings: string[] } } =>
  warnings.length ? { meta: { warnings } } : {};
