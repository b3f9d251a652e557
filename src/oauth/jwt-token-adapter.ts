import type { Adapter, AdapterPayload } from 'oidc-provider';
import { isStructured } from './jwt-access-tokens.ts';

/**
 * How the introspection request names a JWT to oidc-provider (see jwt-introspection.ts): its own
 * endpoint refuses a token that decodes as a JWT before looking it up, and this prefix makes it
 * not decode, so the lookup reaches the adapter below, which verifies it.
 */
export const INTROSPECTED_JWT_PREFIX = 'jwt:';

/**
 * Gives the adapters of the two access-token models a `find` that knows JWT access tokens, which
 * are never stored: ClientCredentials (keys' tokens) verifies one and returns its claims as the
 * stored payload; AccessToken (people's tokens, always opaque) answers "none" without a database
 * read. Every other model, and every other method, is the adapter as it was.
 */
export function withJwtAccessTokens(
  name: string,
  adapter: Adapter,
  readJwt: (value: string) => Promise<AdapterPayload | undefined>,
): Adapter {
  if (name !== 'ClientCredentials' && name !== 'AccessToken') return adapter;
  const find = adapter.find.bind(adapter);
  adapter.find = async (id: string) => {
    const value = id.startsWith(INTROSPECTED_JWT_PREFIX) ? id.slice(INTROSPECTED_JWT_PREFIX.length) : id;
    if (!isStructured(value)) return find(id);
    return name === 'ClientCredentials' ? readJwt(value) : undefined;
  };
  return adapter;
}
