import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK, type JWTPayload } from 'jose';
import type { AdapterPayload, ResourceServer } from 'oidc-provider';
import type { TokenFormat } from '../domain/types.ts';

/**
 * RFC 9068 access tokens for keys whose `token_format` is `jwt`. oidc-provider mints them itself
 * (the key's resource server says `accessTokenFormat: 'jwt'`) and stores nothing; what it cannot do
 * is find one again: its models look tokens up in the adapter, and its introspection endpoint
 * refuses structured tokens. So the adapter of ClientCredentials also "finds" a JWT by verifying
 * it (`withJwtAccessTokens`), and oidc-provider's own introspection, policy and /v2
 * authentication then treat it like a stored token.
 */

/** The one algorithm our signing keys use (config/signing-keys.ts); tokens signed otherwise are refused. */
export const ACCESS_TOKEN_ALG = 'ES256' as const;
export const ACCESS_TOKEN_TYP = 'at+jwt';

/** What a key's resource server tells oidc-provider about the format of its tokens. */
export function accessTokenFormat(format: TokenFormat): Pick<ResourceServer, 'accessTokenFormat' | 'jwt'> {
  return format === 'jwt'
    ? { accessTokenFormat: 'jwt', jwt: { sign: { alg: ACCESS_TOKEN_ALG } } }
    : { accessTokenFormat: 'opaque' };
}

/** Opaque token values never contain a dot (oidc-provider's nanoid); JWTs always do. */
export const isStructured = (value: string) => value.includes('.');

/** Claims of RFC 9068 and RFC 7519 that oidc-provider sets itself; the rest are our extra claims. */
const REGISTERED = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'client_id', 'scope', 'cnf']);

/**
 * Verifies a JWT access token of this server (signature by a key of /jwks, issuer, `typ`, audience,
 * expiry) and returns it as the payload oidc-provider would have stored for an opaque one; undefined
 * when any check fails. ID tokens and other JWTs we sign are not access tokens (`typ` differs).
 */
export function createJwtAccessTokenReader(options: {
  issuer: string;
  signingKeys: readonly object[];
  audience: string;
}) {
  const keySet = createLocalJWKSet({ keys: options.signingKeys.map(publicJwk) });
  return async function readJwtAccessToken(value: string): Promise<AdapterPayload | undefined> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(value, keySet, {
        issuer: options.issuer,
        audience: options.audience,
        typ: ACCESS_TOKEN_TYP,
        algorithms: [ACCESS_TOKEN_ALG],
        requiredClaims: ['jti', 'exp', 'iat', 'client_id'],
      }));
    } catch {
      return undefined;
    }
    const { jti, iat, exp, aud, scope, client_id: clientId } = payload;
    if (typeof clientId !== 'string' || (scope !== undefined && typeof scope !== 'string')) return undefined;
    const extra = Object.fromEntries(Object.entries(payload).filter(([claim]) => !REGISTERED.has(claim)));
    return { kind: 'ClientCredentials', jti, iat, exp, aud, scope, clientId, extra };
  };
}

/** A private JWK's public half, with its `kid`, `alg` and `use`. */
function publicJwk(privateJwk: object): JWK {
  const { kid, alg, use } = privateJwk as JWK;
  const key = createPublicKey({ key: privateJwk as JsonWebKey, format: 'jwk' });
  return { ...key.export({ format: 'jwk' }), kid, alg, use } as JWK;
}

/** Whether a token parameter is a JWT (what oidc-provider's introspection refuses). */
export function looksLikeJwt(value: string): boolean {
  if (!isStructured(value)) return false; // an opaque value: no decoding, no exception thrown
  try {
    return Boolean(decodeProtectedHeader(value));
  } catch {
    return false;
  }
}
