import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConsentPage, startConsoleSignIn } from '../helpers/sign-in.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let server: TestServer;
const cli = { kind: 'cli' } as const;
const PASSWORD = 'correct horse battery';
let seq = 0;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

async function person() {
  const email = `consent${++seq}-${Date.now()}@example.com`;
  await server.runtime.domain.users.create(cli, { email, password: PASSWORD });
  return email;
}

/** Signs in with the password up to the page that follows it. */
async function passwordStep(email: string, redirectUri: string) {
  const flow = await startConsoleSignIn(server.config.issuer, redirectUri);
  const next = await flow.submit(flow.page.html, { email, password: PASSWORD });
  return { flow, next };
}

describe('a sign-in for a loopback redirect asks the person', () => {
  it('names the port, and Allow completes the sign-in', async () => {
    const { flow, next } = await passwordStep(await person(), 'http://127.0.0.1:61234/cli/callback');
    expect(next.response.status).toBe(200);
    expect(isConsentPage(next.html)).toBe(true);
    expect(next.html).toContain('port <strong>61234</strong>');
    expect(next.html).toContain('http://127.0.0.1:61234/cli/callback');
    expect(next.response.headers.get('cache-control')).toBe('no-store');
    const done = await flow.submit(next.html, { decision: 'allow' });
    expect(done.url).toMatch(/^http:\/\/127\.0\.0\.1:61234\/cli\/callback\?code=/);
    expect((await flow.complete(done.url)).access_token).toBeTruthy();
  });

  it('Deny sends access_denied and no code', async () => {
    const { flow, next } = await passwordStep(await person(), 'http://127.0.0.1:61235/callback');
    const done = await flow.submit(next.html, { decision: 'deny' });
    const url = new URL(done.url);
    expect(url.origin).toBe('http://127.0.0.1:61235');
    expect(url.searchParams.get('error')).toBe('access_denied');
    expect(url.searchParams.has('code')).toBe(false);
  });

  it('refuses an answer without the page CSRF token', async () => {
    const { flow, next } = await passwordStep(await person(), 'http://127.0.0.1:61236/callback');
    const action = new URL(/action="([^"]+)"/.exec(next.html)![1]!, server.config.issuer).toString();
    const forged = await flow.browser.postForm(action, { decision: 'allow', csrf: 'forged' });
    expect(forged.status).toBe(403);
    expect(forged.headers.get('location')).toBeNull();
  });

  it('asks again when a signed-in person is sent to another loopback sign-in', async () => {
    const email = await person();
    const { flow, next } = await passwordStep(email, 'http://127.0.0.1:61237/callback');
    await flow.submit(next.html, { decision: 'allow' });
    // a link that starts a new flow in the same browser (the session cookie) for another port
    const again = await startConsoleSignIn(
      server.config.issuer,
      'http://127.0.0.1:61238/steal',
      flow.browser,
    );
    expect(again.page.response.status).toBe(200);
    expect(isConsentPage(again.page.html)).toBe(true);
    expect(again.page.html).toContain('port <strong>61238</strong>');
  });

  it('gives the console hosted at the issuer implicit consent', async () => {
    const callback = `${server.config.issuer}/console/callback`;
    const { next } = await passwordStep(await person(), callback);
    expect(isConsentPage(next.html)).toBe(false);
    expect(next.url.startsWith(`${callback}?code=`)).toBe(true);
  });

  it('treats a loopback URI on the issuer port but another path as a loopback tool', async () => {
    const { next } = await passwordStep(await person(), `${server.config.issuer}/console/callback-evil`);
    expect(isConsentPage(next.html)).toBe(true);
  });
});
