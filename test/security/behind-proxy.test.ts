import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browser, csrfOf, formAction, startConsoleSignIn } from '../helpers/sign-in.ts';
import { spawnServer } from '../helpers/spawn-server.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * TRUST_PROXY decides whether X-Forwarded-For and X-Forwarded-Proto are believed. The test
 * process talks to the server from 127.0.0.1, playing the proxy (when trusted) or a client that
 * forges the headers (when not).
 */
let direct: TestServer; // TRUST_PROXY unset
let oneHop: TestServer; // TRUST_PROXY=1
let byCidr: TestServer; // TRUST_PROXY=127.0.0.0/8,::1
let httpsIssuer: TestServer;

beforeAll(async () => {
  [direct, oneHop, byCidr, httpsIssuer] = await Promise.all([
    startTestServer(),
    startTestServer({ TRUST_PROXY: '1' }),
    startTestServer({ TRUST_PROXY: '127.0.0.0/8,::1' }),
    startTestServer({ ISSUER: 'https://auth.example.test' }),
  ]);
});
afterAll(() => Promise.all([direct, oneHop, byCidr, httpsIssuer].map((s) => s?.close())));

let seq = 0;
/** A failed client authentication at /token for `clientId`, as seen through `forwardedFor`. */
const failedTokenRequest = (server: TestServer, clientId: string, forwardedFor: string) =>
  fetch(`${server.url}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:wrong-secret`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
      'x-forwarded-for': forwardedFor,
    },
    body: 'grant_type=client_credentials',
  });

/** Fails client authentication 10 times (the per address and client limit) from `forwardedFor`. */
async function exhaustClientThrottle(
  server: TestServer,
  clientId: string,
  forwardedFor: (i: number) => string,
) {
  for (let i = 0; i < 10; i++)
    expect((await failedTokenRequest(server, clientId, forwardedFor(i))).status).toBe(401);
}

describe('failed client authentication throttle behind a proxy', () => {
  it('ignores a forged X-Forwarded-For when no proxy is trusted: the throttle still hits', async () => {
    const clientId = `appkeys_nobody${++seq}`;
    await exhaustClientThrottle(direct, clientId, (i) => `198.51.100.${i + 1}`);
    const next = await failedTokenRequest(direct, clientId, '198.51.100.200');
    expect(next.status).toBe(429);
    expect(Number(next.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('with a hop count, counts distinct clients apart and ignores what a client prepends', async () => {
    const clientId = `appkeys_nobody${++seq}`;
    await exhaustClientThrottle(oneHop, clientId, () => '203.0.113.7');
    expect((await failedTokenRequest(oneHop, clientId, '203.0.113.7')).status).toBe(429);
    // another client behind the same proxy is not throttled with the first
    expect((await failedTokenRequest(oneHop, clientId, '203.0.113.8')).status).toBe(401);
    // the first client cannot escape by writing an address of its own in front of the proxy's
    expect((await failedTokenRequest(oneHop, clientId, '192.0.2.99, 203.0.113.7')).status).toBe(429);
  });

  it('with a CIDR list, trusts only proxies inside it and takes the first untrusted address', async () => {
    const clientId = `appkeys_nobody${++seq}`;
    // the client's address followed by another trusted proxy's: the client is 203.0.113.20
    await exhaustClientThrottle(byCidr, clientId, () => '203.0.113.20, 127.0.0.9');
    expect((await failedTokenRequest(byCidr, clientId, '203.0.113.20')).status).toBe(429);
    expect((await failedTokenRequest(byCidr, clientId, '203.0.113.21, 127.0.0.9')).status).toBe(401);
  });
});

describe('sign-in throttle behind a proxy', () => {
  /** Submits a wrong password for `email` through a fresh sign-in page, as seen through `forwardedFor`. */
  async function wrongPassword(server: TestServer, email: string, forwardedFor: string) {
    const flow = await startConsoleSignIn(server.config.issuer);
    const response = await flow.browser.request(new URL(formAction(flow.page.html), server.url).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': forwardedFor },
      body: new URLSearchParams({ csrf: csrfOf(flow.page.html), email, password: 'not the password' }),
    });
    return response.status;
  }

  it('counts per address and account with the forwarded address only when the proxy is trusted', async () => {
    const email = `throttled-${Date.now()}@example.com`;
    for (let i = 0; i < 5; i++) {
      expect(await wrongPassword(direct, email, `198.51.100.${i + 1}`)).toBe(401);
      expect(await wrongPassword(oneHop, email, '203.0.113.30')).toBe(401);
    }
    // forged addresses changed nothing: it is all 127.0.0.1, now blocked for this account
    expect(await wrongPassword(direct, email, '198.51.100.77')).toBe(429);
    // behind a trusted proxy, another client trying the same account is not blocked with the first
    expect(await wrongPassword(oneHop, email, '203.0.113.30')).toBe(429);
    expect(await wrongPassword(oneHop, email, '203.0.113.31')).toBe(401);
  });
});

describe('https and Secure cookies', () => {
  /** Starts an authorization request and returns the cookies oidc-provider sets for the interaction. */
  async function interactionCookies(server: TestServer, headers: Record<string, string> = {}) {
    const query = new URLSearchParams({
      client_id: 'appkeys-console',
      response_type: 'code',
      scope: 'openid admin',
      redirect_uri: 'http://127.0.0.1:5999/callback',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      state: `s${++seq}`,
    });
    const response = await browser().request(`${server.url}/auth?${query}`, { headers });
    expect(response.status).toBe(303);
    const cookies = response.headers.getSetCookie();
    expect(cookies.length).toBeGreaterThan(0);
    return cookies;
  }
  const allSecure = (cookies: string[]) => cookies.every((c) => /;\s*secure/i.test(c));
  const noneSecure = (cookies: string[]) => cookies.every((c) => !/;\s*secure/i.test(c));

  it('marks every cookie Secure when the issuer is https', async () => {
    expect(allSecure(await interactionCookies(httpsIssuer))).toBe(true);
  });

  it('believes X-Forwarded-Proto only from a trusted proxy', async () => {
    expect(noneSecure(await interactionCookies(direct))).toBe(true);
    expect(noneSecure(await interactionCookies(direct, { 'x-forwarded-proto': 'https' }))).toBe(true);
    expect(allSecure(await interactionCookies(oneHop, { 'x-forwarded-proto': 'https' }))).toBe(true);
    expect(allSecure(await interactionCookies(byCidr, { 'x-forwarded-proto': 'https' }))).toBe(true);
  });
});

describe('TRUST_PROXY validation', () => {
  it('stops the process at start-up with a message naming the variable', async () => {
    const server = spawnServer({ TRUST_PROXY: 'everyone', MONGODB_URI: 'mongodb://127.0.0.1:1/unused' });
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toMatch(/TRUST_PROXY: must be a hop count/);
  });
});
