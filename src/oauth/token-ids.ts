import type { Adapter } from 'oidc-provider';

/**
 * Opaque token values say which model they belong to by their length, so that a lookup of a
 * key's token never reads the collection of people's tokens. oidc-provider's introspection and
 * revocation look a token up in every access-token model at once (AccessToken and
 * ClientCredentials), one database read each; with this, a key's token costs one.
 *
 * Keys' tokens (ClientCredentials) carry 264 bits of randomness, 44 characters of base64url;
 * every other opaque value keeps oidc-provider's 256 bits, 43 characters.
 */
const CLIENT_CREDENTIALS_BITS = 264;
const DEFAULT_BITS = 256;
const CLIENT_CREDENTIALS_LENGTH = Math.ceil(CLIENT_CREDENTIALS_BITS / 6);

/** oidc-provider's `formats.bitsOfOpaqueRandomness`. */
export function bitsOfOpaqueRandomness(_ctx: unknown, token: { kind: string }): number {
  return token.kind === 'ClientCredentials' ? CLIENT_CREDENTIALS_BITS : DEFAULT_BITS;
}

/**
 * The AccessToken model's adapter answers "none" for a key's token value without reading the
 * database. (ClientCredentials still reads every value: tokens minted before this scheme, 43
 * characters long, stay valid until they expire.)
 */
export function withModelOfTokenIds(name: string, adapter: Adapter): Adapter {
  if (name !== 'AccessToken') return adapter;
  const find = adapter.find.bind(adapter);
  adapter.find = async (id) => (id.length === CLIENT_CREDENTIALS_LENGTH ? undefined : find(id));
  return adapter;
}
