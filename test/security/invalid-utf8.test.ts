import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRouter } from '../../src/http/admin-router.ts';
import { createSignInThrottle } from '../../src/http/interactions/sign-in-throttle.ts';
import { adminClient, fixtures, ownerPath, type KeyFixture } from '../helpers/fixtures.ts';
import { startConsoleSignIn } from '../helpers/sign-in.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * Bodies must be UTF-8. A hostile (or broken) client that sends other bytes gets 400 with the
 * usual error body, instead of having them stored as U+FFFD (which would, for instance, make two
 * different byte strings the same key name, or corrupt what an audit shows).
 */
const INVALID = Buffer.from([0xff, 0xfe, 0xc3, 0x28]);
const jsonWith = (before: string, after: string) =>
  Buffer.concat([Buffer.from(before), INVALID, Buffer.from(after)]);

let server: TestServer;
let f: ReturnType<typeof fixtures>;
let key: KeyFixture;
let token: string;
let ids: { orgId: string; storeId: string; keyId: string };

beforeAll(async () => {
  server = await startTestServer();
  f = fixtures(server.runtime, server.url);
  const org = await f.organization();
  const store = await f.store(org.id);
  key = await f.key({ type: 'organization', id: org.id });
  const storeKey = await f.key({ type: 'store', id: store.id });
  token = await f.token(key);
  ids = { orgId: org.id, storeId: store.id, keyId: storeKey.id };
});
afterAll(() => server?.close());

const send = (path: string, method: string, body: Buffer, contentType = 'application/json') =>
  fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body,
  });

/** Admin routes that take no body (they act on the path alone). */
const BODILESS = [/\/rotate-secret$/, /^\/v2\/me\/totp$/];

describe('JSON bodies of the admin API', () => {
  it('refuses a key name holding FF FE C3 28 with 400, and stores nothing', async () => {
    const keys = `${ownerPath(key.owner)}/application-keys`;
    const response = await send(
      keys,
      'POST',
      jsonWith('{"data":{"type":"application_key","name":"a', 'b"}}'),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [
        { status: 400, title: 'Bad Request', detail: 'The body is not valid UTF-8.', code: 'bad_request' },
      ],
    });
    const list = await adminClient(server.url, token).get(keys);
    expect(list.body.data).toHaveLength(1); // the organization's own key, nothing more
    expect(list.text).not.toContain('\uFFFD');
  });

  it('answers 400 on every route that reads a JSON body (the router itself lists them)', async () => {
    const routes = adminRouter({
      domain: server.runtime.domain,
      limiter: server.runtime.limiter,
      signInThrottle: createSignInThrottle(),
    })
      .stack.flatMap((layer) =>
        layer.methods
          .filter((m) => ['POST', 'PUT', 'PATCH'].includes(m))
          .map((m) => [m, String(layer.path)] as const),
      )
      .filter(([, path]) => !BODILESS.some((pattern) => pattern.test(path)));
    expect(routes.length).toBeGreaterThanOrEqual(10);
    const params: Record<string, string> = {
      orgId: ids.orgId,
      storeId: ids.storeId,
      keyId: ids.keyId,
      userId: '0123456789abcdef01234567',
    };
    const answers = await Promise.all(
      routes.map(async ([method, pattern]) => {
        const path = pattern
          .replace(/organizations\/:ownerId/, `organizations/${ids.orgId}`)
          .replace(/stores\/:ownerId/, `stores/${ids.storeId}`)
          .replace(/:(\w+)/g, (_: string, name: string) => params[name] ?? name);
        const response = await send(path, method, jsonWith('{"data":{"name":"x', '"}}'));
        return { route: `${method} ${pattern}`, status: response.status, body: await response.json() };
      }),
    );
    for (const answer of answers) {
      expect(answer, answer.route).toMatchObject({
        status: 400,
        body: { errors: [{ status: 400, detail: 'The body is not valid UTF-8.' }] },
      });
    }
  });

  it('still accepts valid UTF-8 and stores it exactly', async () => {
    const name = 'café ☕ 東京 🔑';
    const created = await adminClient(server.url, token).post(`${ownerPath(key.owner)}/application-keys`, {
      data: { type: 'application_key', name },
    });
    expect(created.status).toBe(201);
    expect(created.body.data.name).toBe(name);
  });
});

describe('form bodies of the OAuth endpoints', () => {
  const basic = () => `Basic ${Buffer.from(`${key.clientId}:${key.secret}`).toString('base64')}`;
  const form = (path: string, body: Buffer | string) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: basic(), 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
  const raw = (before: string) => Buffer.concat([Buffer.from(before), INVALID]);

  for (const path of ['/token', '/oauth/access_token', '/token/introspection', '/token/revocation']) {
    it(`${path}: bytes that are not UTF-8, raw or percent-encoded, answer 400 invalid_request`, async () => {
      const bodies = [
        raw('grant_type=client_credentials&token=abc&x='),
        'grant_type=client_credentials&token=abc&x=%FF%FE%C3%28',
        'grant_type=client_credentials&token=abc&%C3%28=1',
      ];
      for (const body of bodies) {
        const response = await form(path, body);
        expect(response.status, String(body)).toBe(400);
        expect(await response.json()).toEqual({
          error: 'invalid_request',
          error_description: 'The form is not valid UTF-8.',
        });
      }
    });
  }

  it('still accepts percent-encoded UTF-8 and literal percent signs in forms', async () => {
    const minted = await form('/token', 'grant_type=client_credentials&x=caf%C3%A9+%E2%98%95&y=100%zz');
    expect(minted.status).toBe(200);
    const { access_token } = (await minted.json()) as { access_token: string };
    const introspected = await form('/token/introspection', `token=${access_token}&x=%E6%9D%B1`);
    expect(await introspected.json()).toMatchObject({ active: true });
  });

  it('the sign-in form answers 400 to bytes that are not UTF-8', async () => {
    const flow = await startConsoleSignIn(server.config.issuer);
    for (const body of [raw('email=a%40b.example&password='), 'email=a%40b.example&password=%C3%28']) {
      const action = /<form method="post" action="([^"]+)"/.exec(flow.page.html)?.[1] ?? '';
      const csrf = /name="csrf" value="([^"]+)"/.exec(flow.page.html)?.[1] ?? '';
      const response = await flow.browser.request(new URL(action, server.url).toString(), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: Buffer.concat([Buffer.from(`csrf=${encodeURIComponent(csrf)}&`), Buffer.from(body)]),
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('The form is not valid UTF-8.');
    }
  });
});
