import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { createJwtAccessTokenReader, looksLikeJwt } from './jwt-access-tokens.ts';

const issuer = 'https://appkeys.example';
const audience = 'urn:appkeys:application-key';

async function signingKey(kid: string) {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };
  const sign = (claims: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: issuer,
      aud: audience,
      sub: 'appkeys_key_1',
      client_id: 'appkeys_key_1',
      jti: 'j1',
      iat: now,
      exp: now + 60,
      scope: 'keys:read',
      application_key_id: 'k1',
      store_id: 's1',
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
      .sign(privateKey);
  };
  return { jwk, sign };
}

describe('reading JWT access tokens', () => {
  it("returns a token's claims as the payload oidc-provider stores for an opaque one", async () => {
    const current = await signingKey('current');
    const read = createJwtAccessTokenReader({ issuer, audience, signingKeys: [current.jwk] });
    expect(await read(await current.sign())).toEqual({
      kind: 'ClientCredentials',
      jti: 'j1',
      iat: expect.any(Number),
      exp: expect.any(Number),
      aud: audience,
      scope: 'keys:read',
      clientId: 'appkeys_key_1',
      extra: { application_key_id: 'k1', store_id: 's1' },
    });
  });

  it('accepts tokens of every key still published (signing-key rotation), none of a key removed', async () => {
    const old = await signingKey('old');
    const next = await signingKey('next');
    const token = await old.sign();
    // rotation: the new key signs, the old one is still in /jwks
    expect(
      await createJwtAccessTokenReader({ issuer, audience, signingKeys: [next.jwk, old.jwk] })(token),
    ).toMatchObject({ jti: 'j1' });
    // the old key removed from /jwks: its tokens are dead
    expect(
      await createJwtAccessTokenReader({ issuer, audience, signingKeys: [next.jwk] })(token),
    ).toBeUndefined();
  });

  it('refuses a token without client_id, or with a non-string scope', async () => {
    const key = await signingKey('k');
    const read = createJwtAccessTokenReader({ issuer, audience, signingKeys: [key.jwk] });
    expect(await read(await key.sign({ client_id: undefined }))).toBeUndefined();
    expect(await read(await key.sign({ scope: ['keys:read'] }))).toBeUndefined();
    expect(await read('not.a.jwt')).toBeUndefined();
  });

  it('tells JWTs from opaque handles', async () => {
    expect(looksLikeJwt(await (await signingKey('k')).sign())).toBe(true);
    expect(looksLikeJwt('Xk3v9zF0bQ2m-_abcdefghijklmnopqrstuvwxyz0123')).toBe(false);
    expect(looksLikeJwt('jwt:eyJhbGciOiJFUzI1NiJ9.e30.sig')).toBe(false);
  });
});
