import * as client from 'openid-client';

/**
 * A configured openid-client for one client of the test server: the real OAuth client library
 * our users would use, with plain HTTP allowed because the test server listens on loopback.
 */
export async function oauthClient(
  issuer: string,
  clientId: string,
  secret: string | undefined,
  method: 'basic' | 'post' | 'none' = 'basic',
): Promise<client.Configuration> {
  const auth =
    method === 'none'
      ? client.None()
      : method === 'post'
        ? client.ClientSecretPost(secret)
        : client.ClientSecretBasic(secret);
  return client.discovery(new URL(issuer), clientId, undefined, auth, {
    execute: [client.allowInsecureRequests],
    algorithm: 'oauth2',
  });
}

export { client };

/** The OAuth error code of a failed openid-client call, whether it came in the body or a challenge. */
export async function oauthError(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    const e = error as { error?: string; cause?: Array<{ parameters?: { error?: string } }> };
    return e.error ?? e.cause?.[0]?.parameters?.error ?? String(error);
  }
  throw new Error('expected the call to fail');
}
