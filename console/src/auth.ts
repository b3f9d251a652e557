import * as oauth from 'oauth4webapi';

/**
 * Signing in with the built-in public client `appkeys-console`: authorization code with PKCE, as
 * a full-page redirect (the authorization server is this same origin). The token lives in this
 * tab's sessionStorage only. When it expires or is refused, the console signs in again silently
 * (`prompt=none`) while the authorization server's session lives, and interactively otherwise.
 */
const CLIENT: oauth.Client = { client_id: 'appkeys-console', id_token_signed_response_alg: 'ES256' };
const TOKEN_KEY = 'appkeys.console.token';
const PENDING_KEY = 'appkeys.console.pending';

type StoredToken = { accessToken: string; idToken?: string; expiresAt: number };
type Pending = { verifier: string; state: string; returnTo: string; silent: boolean };

/** The issuer is where the console is served from: everything before `/console`. */
export const issuer = location.href.slice(0, location.href.indexOf('/console'));
export const consolePath = (path: string) => `${new URL(issuer).pathname.replace(/\/$/, '')}/console${path}`;
const redirectUri = `${issuer}/console/callback`;
// plain http is only ever the page's own origin (a development or test server)
const httpOptions = location.protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {};

let metadata: Promise<oauth.AuthorizationServer> | undefined;
function authorizationServer(): Promise<oauth.AuthorizationServer> {
  metadata ??= oauth
    .discoveryRequest(new URL(issuer), { algorithm: 'oidc', ...httpOptions })
    .then((response) => oauth.processDiscoveryResponse(new URL(issuer), response));
  return metadata;
}

function readToken(): StoredToken | undefined {
  try {
    const token = JSON.parse(sessionStorage.getItem(TOKEN_KEY) ?? 'null') as StoredToken | null;
    return token && token.expiresAt > Date.now() + 30_000 ? token : undefined;
  } catch {
    return undefined;
  }
}

/** Leaves for the authorization endpoint; `silent` asks for no page at all (`prompt=none`). */
export async function signIn(returnTo: string, silent: boolean): Promise<never> {
  const as = await authorizationServer();
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  sessionStorage.setItem(
    PENDING_KEY,
    JSON.stringify({ verifier, state, returnTo, silent } satisfies Pending),
  );
  const url = new URL(as.authorization_endpoint ?? `${issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: CLIENT.client_id,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid admin',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...(silent && { prompt: 'none' }),
  }).toString();
  location.assign(url.toString());
  return new Promise<never>(() => undefined);
}

/**
 * Finishes a sign-in on `/console/callback`: checks state and issuer, redeems the code with the
 * PKCE verifier and keeps the access token. Returns where to go next. A silent attempt that the
 * server could not satisfy (no session any more) starts an interactive one.
 */
export async function completeSignIn(): Promise<string> {
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as Pending | null;
  sessionStorage.removeItem(PENDING_KEY);
  if (!pending)
    throw new Error('This sign-in was not started here (or was already completed). Reload to sign in.');
  const as = await authorizationServer();
  let parameters: URLSearchParams;
  try {
    parameters = oauth.validateAuthResponse(as, CLIENT, new URL(location.href), pending.state);
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError && pending.silent)
      return signIn(pending.returnTo, false);
    throw error;
  }
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    CLIENT,
    oauth.None(),
    parameters,
    redirectUri,
    pending.verifier,
    httpOptions,
  );
  const result = await oauth.processAuthorizationCodeResponse(as, CLIENT, response);
  const token: StoredToken = {
    accessToken: result.access_token,
    ...(result.id_token !== undefined && { idToken: result.id_token }),
    expiresAt: Date.now() + (result.expires_in ?? 300) * 1000,
  };
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify(token));
  return pending.returnTo;
}

/** The current access token, or a (silent first) sign-in that leaves the page. */
export async function accessToken(): Promise<string> {
  const token = readToken();
  if (token) return token.accessToken;
  return signIn(location.pathname + location.search, true);
}

/** The server refused the token (revoked, expired early): forget it and sign in again silently. */
export function renew(): Promise<never> {
  sessionStorage.removeItem(TOKEN_KEY);
  return signIn(location.pathname + location.search, true);
}

/** Forgets the token and ends the authorization server's session (it asks to confirm). */
export async function signOut(): Promise<never> {
  const idToken = readToken()?.idToken;
  sessionStorage.removeItem(TOKEN_KEY);
  const as = await authorizationServer();
  const url = new URL(as.end_session_endpoint ?? `${issuer}/session/end`);
  url.search = new URLSearchParams({
    client_id: CLIENT.client_id,
    post_logout_redirect_uri: `${issuer}/console/signed-out`,
    ...(idToken && { id_token_hint: idToken }),
  }).toString();
  location.assign(url.toString());
  return new Promise<never>(() => undefined);
}
