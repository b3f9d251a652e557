import type Provider from 'oidc-provider';
import type { Configuration } from 'oidc-provider';
import type { Secrets } from '../domain/secrets.ts';
import { clientInfo } from './client-metadata.ts';
import { CONSOLE_CLIENT_ID } from './console-client.ts';

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

/**
 * Browsers may call the token endpoint only from the key's `allowed_origins`, and the console
 * only from the issuer's own origin (where it is served).
 */
export function clientBasedCORS(issuer: string): NonNullable<Configuration['clientBasedCORS']> {
  const consoleOrigin = new URL(issuer).origin;
  return (_ctx, origin, client) => {
    if (client.clientId === CONSOLE_CLIENT_ID) return origin === consoleOrigin;
    const info = clientInfo(client);
    return info?.kind === 'application_key' && info.allowed_origins.includes(origin);
  };
}
