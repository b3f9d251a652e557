import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totpAt } from '../src/domain/totp.ts';
import { adminClient } from './helpers/fixtures.ts';
import { signIn, startConsoleSignIn } from './helpers/sign-in.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

let server: TestServer;
const cli = { kind: 'cli' } as const;
let counter = 0;
const newUser = async (options: { operator?: boolean } = {}) => {
  const email = `person${++counter}-${Date.now()}@example.com`;
  const user = await server.runtime.domain.users.create(cli, {
    email,
    password: 'correct horse battery',
    ...options,
  });
  return { ...user, password: 'correct horse battery' };
};

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe('signing in through the console flow', () => {
  it('signs in with email and password and gets an access token acting as the user', async () => {
    const user = await newUser();
    const tokens = await signIn(server.config.issuer, user.email, user.password);
    expect(tokens.scope?.split(' ')).toEqual(expect.arrayContaining(['openid', 'admin']));
    const me = await adminClient(server.url, tokens.access_token).get('/v2/me');
    expect(me.status).toBe(200);
    expect(me.body.data).toMatchObject({
      id: user.id,
      type: 'user',
      email: user.email,
      totp_enrolled: false,
      memberships: [],
    });
  });

  it('refuses a wrong password and an unknown email with the same message', async () => {
    const user = await newUser();
    const wrong = await startConsoleSignIn(server.config.issuer);
    const a = await wrong.submit(wrong.page.html, { email: user.email, password: 'not it' });
    const unknown = await startConsoleSignIn(server.config.issuer);
    const b = await unknown.submit(unknown.page.html, { email: 'nobody@example.com', password: 'not it' });
    expect(a.response.status).toBe(401);
    expect(b.response.status).toBe(401);
    const messageOf = (html: string) => /<p class="error" role="alert">([^<]+)<\/p>/.exec(html)?.[1];
    expect(messageOf(a.html)).toBe('The email or password is not correct.');
    expect(messageOf(b.html)).toBe(messageOf(a.html));
  });

  it('refuses a form without the page CSRF token', async () => {
    const user = await newUser();
    const flow = await startConsoleSignIn(server.config.issuer);
    const response = await flow.browser.postForm(
      new URL(/action="([^"]+)"/.exec(flow.page.html)![1]!, server.config.issuer).toString(),
      { email: user.email, password: user.password, csrf: 'forged' },
    );
    expect(response.status).toBe(403);
  });

  it('slows down repeated wrong passwords for an account', async () => {
    const user = await newUser();
    for (let i = 0; i < 5; i++) {
      const flow = await startConsoleSignIn(server.config.issuer);
      expect(
        (await flow.submit(flow.page.html, { email: user.email, password: `wrong ${i}` })).response.status,
      ).toBe(401);
    }
    const flow = await startConsoleSignIn(server.config.issuer);
    const blocked = await flow.submit(flow.page.html, { email: user.email, password: user.password });
    expect(blocked.response.status).toBe(429);
    expect(Number(blocked.response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.html).toContain('Too many failed attempts');
  });

  it('asks enrolled users for a TOTP code, refuses a wrong or reused one', async () => {
    const user = await newUser();
    const first = await signIn(server.config.issuer, user.email, user.password);
    const api = adminClient(server.url, first.access_token);
    const enrolled = await api.post('/v2/me/totp');
    expect(enrolled.status).toBe(201);
    expect(enrolled.body.data.otpauth_uri).toMatch(/^otpauth:\/\/totp\/appkeys%3A.*secret=[A-Z2-7]+/);
    const secret = base32Decode(enrolled.body.data.secret);
    const code = (offsetSteps = 0) => totpAt(secret, Math.floor(Date.now() / 30_000) + offsetSteps);
    expect((await api.post('/v2/me/totp/verify', { data: { otp: code(5) } })).status).toBe(400);
    expect((await api.post('/v2/me/totp/verify', { data: { otp: code() } })).status).toBe(200);
    expect((await api.get('/v2/me')).body.data.totp_enrolled).toBe(true);
    const stored = await server.db.collection('users').findOne({ _id: user.id as never });
    expect(JSON.stringify(stored)).not.toContain(enrolled.body.data.secret);

    const flow = await startConsoleSignIn(server.config.issuer);
    const otpPage = await flow.submit(flow.page.html, { email: user.email, password: user.password });
    expect(otpPage.html).toContain('name="otp"');
    const wrong = await flow.submit(otpPage.html, { otp: code(7) });
    expect(wrong.response.status).toBe(401);
    // the code used to confirm enrolment cannot be used again; the next step's can
    const again = await flow.submit(wrong.html, { otp: code() });
    expect(again.response.status).toBe(401);
    const consentPage = await flow.submit(again.html, { otp: code(1) });
    expect(consentPage.html).toContain('name="decision"');
    const done = await flow.submit(consentPage.html, { decision: 'allow' });
    expect(done.url).toMatch(/^http:\/\/127\.0\.0\.1:5999\/callback\?code=/);
    expect((await flow.complete(done.url)).access_token).toBeTruthy();
  });

  it('accepts loopback redirects on any port and refuses other redirect URIs', async () => {
    const ok = await startConsoleSignIn(server.config.issuer, 'http://127.0.0.1:61234/any/path');
    expect(ok.page.html).toContain('name="password"');
    await expect(
      startConsoleSignIn(server.config.issuer, 'https://evil.example/callback'),
    ).resolves.toMatchObject({
      page: { response: { status: 400 } },
    });
  });
});
