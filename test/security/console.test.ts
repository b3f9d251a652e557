import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../helpers/oauth-client.ts';
import { signIn, startConsoleSignIn } from '../helpers/sign-in.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { CONSOLE_CSP } from '../../src/http/console/routes.ts';

/**
 * What a hostile page or tenant could try against the console's own surface: its static route,
 * the token endpoint's CORS for the console client, and silent sign-in through a loopback.
 */
let server: TestServer;
const cli = { kind: 'cli' } as const;
const PASSWORD = 'correct horse battery staple';
const email = `console-sec-${Date.now()}@example.com`;

beforeAll(async () => {
  server = await startTestServer();
  await server.runtime.domain.users.create(cli, { email, password: PASSWORD });
});
afterAll(() => server?.close());

describe('the console route', () => {
  it('serves one page for the console paths with a strict CSP and no inline script', async () => {
    for (const path of ['/console', '/console/', '/console/callback?code=x&state=y', '/console/stores/abc']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const html = await response.text();
      // every script is a file of ours; nothing inline, nothing from elsewhere
      const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBeGreaterThan(0);
      for (const [, attrs, body] of scripts) {
        expect(attrs).toMatch(/src="\/console\/assets\/[a-z.]+"/);
        expect(body?.trim()).toBe('');
      }
      expect(html).not.toMatch(/https?:\/\//);
    }
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe');
  });

  it('serves its assets and nothing else from the assets folder', async () => {
    const js = await fetch(`${server.url}/console/assets/console.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    for (const path of [
      '/console/assets/index.html.tmp',
      '/console/assets/..%2F..%2Fpackage.json',
      '/console/assets/%2e%2e/%2e%2e/package.json',
      '/console/assets/../../package.json',
      '/console/assets/build-assets.ts',
    ]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.text()).not.toContain('"dependencies"');
    }
  });
});

describe("the console client's token requests", () => {
  it('are answered with CORS for the issuer origin only', async () => {
    const flow = await startConsoleSignIn(server.config.issuer, `${server.config.issuer}/console/callback`);
    const done = await flow.submit(flow.page.html, { email, password: PASSWORD });
    const code = new URL(done.url).searchParams.get('code') ?? '';
    expect(code).not.toBe('');
    const post = (origin: string) =>
      fetch(`${server.url}/token`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: 'appkeys-console',
          code,
          redirect_uri: `${server.config.issuer}/console/callback`,
          code_verifier: 'x'.repeat(43),
        }),
      });
    const evil = await post('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    expect(((await evil.json()) as { error: string }).error).toBe('invalid_request');
    const issuerOrigin = new URL(server.config.issuer).origin;
    const own = await post(issuerOrigin);
    expect(own.headers.get('access-control-allow-origin')).toBe(issuerOrigin);
    // the right origin is not enough: the code needs its PKCE verifier
    expect(((await own.json()) as { error: string }).error).toBe('invalid_grant');
  });
});

describe('silent sign-in (prompt=none)', () => {
  const authorize = async (
    b: Awaited<ReturnType<typeof startConsoleSignIn>>['browser'],
    redirectUri: string,
  ) => {
    const url = new URL(`${server.config.issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: 'appkeys-console',
      response_type: 'code',
      scope: 'openid admin',
      redirect_uri: redirectUri,
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: 's',
      prompt: 'none',
    }).toString();
    const response = await b.request(url.toString());
    return new URL(response.headers.get('location') ?? '', server.config.issuer).searchParams;
  };

  it('works for the hosted console while the session lives, never for a loopback redirect', async () => {
    const flow = await startConsoleSignIn(server.config.issuer, `${server.config.issuer}/console/callback`);
    await flow.submit(flow.page.html, { email, password: PASSWORD });
    const hosted = await authorize(flow.browser, `${server.config.issuer}/console/callback`);
    expect(hosted.get('error')).toBeNull();
    expect(hosted.get('code')).toBeTruthy();
    // a command-line tool's loopback redirect still needs the person, even with a live session
    const loopback = await authorize(flow.browser, 'http://127.0.0.1:5999/callback');
    expect(loopback.get('code')).toBeNull();
    expect(loopback.get('error')).toMatch(/interaction_required|consent_required/);
  });

  it('fails without a session (the console then shows the sign-in page)', async () => {
    const flow = await startConsoleSignIn(server.config.issuer, `${server.config.issuer}/console/callback`);
    const params = await authorize(flow.browser, `${server.config.issuer}/console/callback`);
    expect(params.get('error')).toBe('login_required');
    expect(params.get('code')).toBeNull();
    // and an ordinary sign-in still completes
    expect((await signIn(server.config.issuer, email, PASSWORD)).access_token).toBeTruthy();
  });
});
