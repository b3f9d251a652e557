import type Provider from 'oidc-provider';
import type { ClientMetadata } from 'oidc-provider';

export const CONSOLE_CLIENT_ID = 'appkeys-console';

/** A loopback redirect of a native app (RFC 8252 7.3): http://127.0.0.1 or [::1], any port, any path. */
const isLoopbackRedirect = (value: string) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === '[::1]');
  } catch {
    return false;
  }
};

/**
 * The built-in public client people sign in with: authorization code with PKCE (required for public
 * clients), scope `openid admin`, redirects to `{ISSUER}/console/callback` and to loopback addresses.
 * An issuer served over plain http on a host that is not a loopback cannot be a native app's
 * redirect; then only loopback redirects are registered.
 */
export function consoleClient(issuer: string): ClientMetadata {
  const callback = `${issuer}/console/callback`;
  const { protocol, hostname } = new URL(callback);
  const callbackAllowed =
    protocol === 'https:'
      ? !['localhost', '127.0.0.1', '[::1]'].includes(hostname)
      : ['localhost', '127.0.0.1', '[::1]'].includes(hostname);
  return {
    client_id: CONSOLE_CLIENT_ID,
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [...(callbackAllowed ? [callback] : []), 'http://127.0.0.1/callback'],
    // where the console lands after signing out
    post_logout_redirect_uris: callbackAllowed ? [`${issuer}/console/signed-out`] : [],
    scope: 'openid admin',
  };
}

/** Lets the console redirect to any path on a loopback address, besides its registered URIs. */
export function allowConsoleLoopbackRedirects(provider: Provider): void {
  const original = provider.Client.prototype.redirectUriAllowed;
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(
    this: { clientId: string },
    value: string,
  ) {
    if (this.clientId === CONSOLE_CLIENT_ID && isLoopbackRedirect(value)) return true;
    return original.call(this, value);
  };
}
