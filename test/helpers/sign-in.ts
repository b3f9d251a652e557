import * as client from 'openid-client';

/** A minimal cookie jar: name -> value, sent on every request to the server under test. */
class CookieJar {
  readonly #cookies = new Map<string, string>();
  store(response: Response) {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(cookie) || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
  header() {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

export type Browser = ReturnType<typeof browser>;

/** A browser stand-in: follows redirects by hand, keeps cookies, posts forms like a browser would. */
export function browser() {
  const jar = new CookieJar();
  async function request(url: string, init: RequestInit = {}) {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: jar.header() },
    });
    jar.store(response);
    return response;
  }
  return {
    request,
    /** GETs `url` and follows redirects until a page or a redirect outside `origin` answers. */
    async follow(url: string, origin: string): Promise<{ response: Response; url: string; html: string }> {
      let current = url;
      for (let hops = 0; hops < 10; hops++) {
        const response = await request(current);
        const location = response.headers.get('location');
        if (response.status >= 300 && response.status < 400 && location) {
          const next = new URL(location, current).toString();
          if (!next.startsWith(origin)) return { response, url: next, html: '' };
          current = next;
          continue;
        }
        return { response, url: current, html: await response.text() };
      }
      throw new Error('too many redirects');
    },
    async postForm(url: string, fields: Record<string, string>) {
      return request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields),
      });
    },
  };
}

export const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
export const formAction = (html: string) => /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? '';

/**
 * Starts the console's authorization-code + PKCE flow with openid-client and returns the login
 * page; `complete` exchanges the final redirect for tokens. Pass the `browser` of an earlier flow
 * to start from its session (its cookies).
 */
export async function startConsoleSignIn(
  issuer: string,
  redirectUri = 'http://127.0.0.1:5999/callback',
  b: Browser = browser(),
) {
  const config = await client.discovery(new URL(issuer), 'appkeys-console', undefined, client.None(), {
    execute: [client.allowInsecureRequests],
    algorithm: 'oauth2',
  });
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid admin',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  const first = await b.follow(authorizationUrl.toString(), issuer);
  return {
    browser: b,
    page: first,
    /** Submits a form of the current page and follows to the next page or to the redirect URI. */
    async submit(html: string, fields: Record<string, string>) {
      const response = await b.postForm(new URL(formAction(html), issuer).toString(), {
        csrf: csrfOf(html),
        ...fields,
      });
      const location = response.headers.get('location');
      if (response.status === 303 && location) return b.follow(new URL(location, issuer).toString(), issuer);
      return { response, url: '', html: await response.text() };
    },
    async complete(callbackUrl: string) {
      return client.authorizationCodeGrant(config, new URL(callbackUrl), {
        pkceCodeVerifier: verifier,
        expectedState: state,
      });
    },
  };
}

/** Whether a page is the consent page shown for loopback redirects. */
export const isConsentPage = (html: string) => html.includes('name="decision"');

/**
 * Signs a user in through the real pages and returns the console's tokens. The flow redirects to
 * a loopback address, so the person allows it on the consent page, as they would in a browser.
 */
export async function signIn(issuer: string, email: string, password: string, otp?: () => string) {
  const flow = await startConsoleSignIn(issuer);
  let step = await flow.submit(flow.page.html, { email, password });
  if (otp && step.html.includes('name="otp"')) step = await flow.submit(step.html, { otp: otp() });
  if (isConsentPage(step.html)) step = await flow.submit(step.html, { decision: 'allow' });
  if (!step.url.startsWith('http://127.0.0.1:5999/callback'))
    throw new Error(`sign-in did not complete: ${step.response.status} ${step.html.slice(0, 300)}`);
  return flow.complete(step.url);
}
