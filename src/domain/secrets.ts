import { createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';

/** Prefix of every client secret, so that secret scanners can recognise leaked ones. */
export const CLIENT_SECRET_PREFIX = 'appkeys_sk_';
/**
 * Client ids name their record: `appkeys_ak_<key id>` for application keys and `appkeys_rs_<id>`
 * for resource servers, so a client is found by primary key (FerretDB v1 scans for other fields).
 */
export const CLIENT_ID_PREFIXES = { application_key: 'appkeys_ak_', resource_server: 'appkeys_rs_' } as const;

export function clientIdFor(kind: keyof typeof CLIENT_ID_PREFIXES, id: string): string {
  return `${CLIENT_ID_PREFIXES[kind]}${id}`;
}

/** The record a client id names, or undefined for ids we never issued. */
export function parseClientId(
  clientId: string,
): { kind: keyof typeof CLIENT_ID_PREFIXES; id: string } | undefined {
  for (const [kind, prefix] of Object.entries(CLIENT_ID_PREFIXES) as Array<
    [keyof typeof CLIENT_ID_PREFIXES, string]
  >)
    if (clientId.startsWith(prefix) && clientId.length > prefix.length)
      return { kind, id: clientId.slice(prefix.length) };
  return undefined;
}

/**
 * Client secrets. A secret is 256 random bits (base64url) behind a fixed prefix; only its
 * HMAC-SHA-256 under a key derived from the server secret is stored, and comparison is constant-time.
 */
export function createSecrets(hashKey: string) {
  const key = createSecretKey(Buffer.from(hashKey, 'utf8')); // imported once, not on every check
  const hash = (secret: string) => createHmac('sha256', key).update(secret).digest('base64url');
  return {
    newSecret(): { secret: string; hash: string } {
      const secret = `${CLIENT_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
      return { secret, hash: hash(secret) };
    },
    hash,
    verify(secret: unknown, storedHash: string): boolean {
      if (typeof secret !== 'string' || secret.length > 512) return false;
      const actual = Buffer.from(hash(secret));
      const expected = Buffer.from(storedHash);
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
  };
}

export type Secrets = ReturnType<typeof createSecrets>;
