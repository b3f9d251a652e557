import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Prefix of every client secret, so that secret scanners can recognise leaked ones. */
export const CLIENT_SECRET_PREFIX = 'appkeys_sk_';
export const CLIENT_ID_PREFIX = 'appkeys_';

/**
 * Client ids and secrets. A secret is 256 random bits (base64url) behind a fixed prefix; only its
 * HMAC-SHA-256 under a key derived from the server secret is stored, and comparison is constant-time.
 */
export function createSecrets(hashKey: string) {
  const hash = (secret: string) => createHmac('sha256', hashKey).update(secret).digest('base64url');
  return {
    newClientId: () => `${CLIENT_ID_PREFIX}${randomBytes(16).toString('base64url')}`,
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
