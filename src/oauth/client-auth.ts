import type Provider from 'oidc-provider';
import type { Configuration } from 'oidc-provider';
import type { Secrets } from '../domain/secrets.ts';
import { clientInfo } from './client-metadata.ts';

/**
 * Clients' `client_secret` metadata holds the keyed hash, never the secret; oidc-provider's
 * comparison is replaced by one that hashes the presented secret and compares in constant time.
 */
export function useHashedClientSecrets(provider: Provider, secrets: Secrets): void {
  provider.Client.prototype.compareClientSecret = function compareClientSecret(
    this: { clientSecret: string },
    actual: string,
  ) {
    return Promise.resolve(secrets.verify(actual, this.clientSecret));
  };
}

/** Browsers may call the token endpoint only from the key's `allowed_origins`. */
export const clientBasedCORS: NonNullable<Configuration['clientBasedCORS']> = (_ctx, origin, client) => {
  const info = clientInfo(client);
  return info?.kind === 'application_key' && info.allowed_origins.includes(origin);
};
