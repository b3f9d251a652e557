import { z } from 'zod';
import { TOKEN_FORMATS, type ApplicationKey } from '../domain/types.ts';
import {
  envelope,
  iso,
  isoOrNull,
  name,
  origin,
  ownerOutput,
  pageQuery,
  queryInteger,
  reservedRateLimit,
  scopeList,
  timestamp,
} from './shapes.ts';

/**
 * An application key: what a client may send (create, update, list query), what the API answers,
 * and the presenter that produces it. A new field goes into the inputs, `keyOutput` and
 * `presentKey` here, and nowhere else.
 */
const type = z.literal('application_key').optional();
const allowedOrigins = z.array(origin).max(50);

/** The format of a key's access tokens: `opaque` (stored) or `jwt` (RFC 9068, signed, not stored). */
export const tokenFormat = z
  .enum(TOKEN_FORMATS)
  .describe(
    'Format of the access tokens the key mints: opaque (stored) or jwt (RFC 9068, signed, not stored).',
  );

export const createKeyInput = envelope({
  type,
  name,
  reserved_rate_limit: reservedRateLimit.optional(),
  allowed_origins: allowedOrigins.optional(),
  scopes: scopeList.optional(),
  token_format: tokenFormat.optional(),
});

/** PUT and PATCH alike: only the fields sent change. `id`, when sent, must be the key's. */
export const updateKeyInput = envelope({
  type,
  id: z.string().optional(),
  name: name.optional(),
  reserved_rate_limit: reservedRateLimit.optional(),
  allowed_origins: allowedOrigins.optional(),
  scopes: scopeList.optional(),
  token_format: tokenFormat.optional(),
});

/** Keys whose last use (or creation, if never used) is at least this many days old. */
export const listKeysQuery = pageQuery.extend({
  unused_for_days: queryInteger(0, 36_500)
    .optional()
    .describe('Only keys unused (or, if never used, created) at least this many days ago.'),
});

export const keyOutput = z.object({
  id: z.string(),
  type: z.literal('application_key'),
  name: z.string(),
  client_id: z.string(),
  reserved_rate_limit: z.number().int().min(0),
  allowed_origins: z.array(z.string()),
  scopes: z.array(z.string()),
  token_format: z.enum(TOKEN_FORMATS),
  owner: ownerOutput,
  meta: z.object({
    timestamps: z.object({
      created_at: timestamp,
      updated_at: timestamp,
      last_used_at: timestamp
        .nullable()
        .describe('When the key last minted a token (at most once a minute).'),
    }),
  }),
});
/** The answers to create and rotate-secret, which carry the secret (shown once, never stored). */
export const keyWithSecretOutput = keyOutput.extend({
  client_secret: z.string().describe('Shown once: only a keyed hash of it is stored.'),
});

/** A key as the API shows it; with its secret when one was just created or rotated. */
export type KeyOutput = z.output<typeof keyOutput> | z.output<typeof keyWithSecretOutput>;

/** A key as the API shows it; `client_secret` only when one was just created or rotated. */
export function presentKey(key: ApplicationKey, secret?: string): KeyOutput {
  return {
    id: key.id,
    type: 'application_key',
    name: key.name,
    client_id: key.clientId,
    ...(secret !== undefined && { client_secret: secret }),
    reserved_rate_limit: key.reservedRateLimit,
    allowed_origins: key.allowedOrigins,
    scopes: key.scopes,
    token_format: key.tokenFormat,
    owner: key.owner,
    meta: {
      timestamps: {
        created_at: iso(key.createdAt),
        updated_at: iso(key.updatedAt),
        last_used_at: isoOrNull(key.lastUsedAt),
      },
    },
  };
}
