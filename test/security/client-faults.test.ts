import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures } from '../helpers/fixtures.ts';
import { basic, rawRequest, type RawResponse } from '../helpers/raw-request.ts';
import { expectNoErrorLogs } from '../helpers/no-error-logs.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * Hunting for 500s: malformed input of every kind, sent to every route, is a client fault. It
 * answers 4xx with the body its API uses ({"errors": [...]} under /v2, an OAuth error on the OAuth
 * endpoints), and the server logs no error (no stack trace) for it.
 */
let server: TestServer;
let token: string;
let ids: { org: string; store: string; key: string };

beforeAll(async () => {
  // a generous refusal allowance: the hunt must reach every route, not the refusal throttle's 429
  server = await startTestServer({}, { refusals: { points: 1_000_000, seconds: 60 } });
  const f = fixtures(server.runtime, server.url);
  const org = await f.organization(100_000);
  const store = await f.store(org.id, 100_000);
  const key = await f.key({ type: 'organization', id: org.id });
  token = await f.token(key);
  ids = { org: org.id, store: store.id, key: key.id };
});
afterAll(() => server?.close());
expectNoErrorLogs(() => server.logs);

/** Every admin route, with `{id}` where an id goes. */
const adminRoutes: Array<[string, string]> = [
  ['POST', '/v2/organizations'],
  ['GET', '/v2/organizations/{org}'],
  ['PATCH', '/v2/organizations/{org}'],
  ['GET', '/v2/organizations/{org}/stores'],
  ['POST', '/v2/organizations/{org}/stores'],
  ['GET', '/v2/stores/{store}'],
  ['PATCH', '/v2/stores/{store}'],
  ...['/v2/organizations/{org}', '/v2/stores/{store}', '/v2'].flatMap((owner): Array<[string, string]> => [
    ['GET', `${owner}/application-keys`],
    ['POST', `${owner}/application-keys`],
    ['GET', `${owner}/application-keys/{key}`],
    ['PUT', `${owner}/application-keys/{key}`],
    ['PATCH', `${owner}/application-keys/{key}`],
    ['DELETE', `${owner}/application-keys/{nokey}`],
    ['POST', `${owner}/application-keys/{nokey}/rotate-secret`],
  ]),
  ...['/v2/organizations/{org}', '/v2/stores/{store}'].flatMap((owner): Array<[string, string]> => [
    ['GET', `${owner}/rate-limit`],
    ['GET', `${owner}/audit-events`],
    ['GET', `${owner}/members`],
    ['POST', `${owner}/members`],
    ['DELETE', `${owner}/members/{nokey}`],
    ['PUT', `${owner}/members/{nokey}/permissions`],
  ]),
  ['GET', '/v2/me'],
  ['POST', '/v2/me/totp'],
  ['POST', '/v2/me/totp/verify'],
];

const oauthRoutes: Array<[string, string]> = [
  ['POST', '/token'],
  ['POST', '/oauth/access_token'],
  ['POST', '/token/introspection'],
  ['POST', '/token/revocation'],
  ['GET', '/jwks'],
  ['GET', '/.well-known/openid-configuration'],
  ['GET', '/.well-known/oauth-authorization-server'],
  ['GET', '/auth'],
  ['GET', '/interaction/{nokey}'],
  ['POST', '/interaction/{nokey}/login'],
  ['POST', '/interaction/{nokey}/otp'],
  ['GET', '/console/callback'],
];

/** What goes where an id should be. */
const junkIds = [
  '%',
  '%zz',
  '%E0%A4%A',
  '%C0%AF',
  '%FF',
  '%00',
  '%2F',
  '%25',
  '%C3%A9',
  '..',
  'a'.repeat(3000),
  '%7B%24ne%7D',
  'null',
];

/** Junk in the path itself. */
const junkPaths = [
  '/%',
  '/v2/%',
  '/V2/%zz',
  '/token%',
  '/token/%E0',
  '/%7',
  '/v2/stores/%/Rate-Limit/',
  '/%%',
];

/** Authorization headers a client might botch. */
const junkAuthorizations = [
  'Basic %',
  'Basic !!!',
  'Basic',
  'Basic ====',
  basic('%', '%'),
  basic('a%zz', 'b%'),
  basic('%E0%A4%A', 'x'),
  basic('', 'x'),
  `Basic ${Buffer.from('no-colon').toString('base64')}`,
  `Basic ${Buffer.from([0xff, 0xfe, 0x3a, 0x80]).toString('base64')}`,
  'Bearer %',
  'Bearer',
  `Bearer ${'a'.repeat(5000)}`,
  'Bearer a b',
  'Digest abc',
  'bAsIc Zm9vOmJhcg==',
  'BEARER abc',
];

const bodies: Array<{ type: string; body: string }> = [
  { type: 'application/json', body: '{' },
  { type: 'application/json', body: '{"data": {"name": {"$ne": 1}, "rate_limit": "x"}}' },
  { type: 'application/json', body: '[]' },
  { type: 'application/json', body: 'null' },
  { type: 'text/plain', body: 'hello' },
  { type: 'application/x-www-form-urlencoded', body: 'grant_type=%zz&client_id=%&token=%E0' },
  { type: 'application/x-www-form-urlencoded', body: 'grant_type=implicit&grant_type=client_credentials' },
  { type: 'application/x-www-form-urlencoded', body: 'grant_type=implicit&client_id[]=x' },
  { type: 'application/x-www-form-urlencoded', body: 'grant_type=client_credentials&client_id=%E0%A4%A' },
];

let address = 20;
const from = () => `127.0.1.${(++address % 250) + 1}`;

function expectClientFault(response: RawResponse, what: string) {
  expect(response.status, `${what}: ${response.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(response.status, `${what}: ${response.text.slice(0, 300)}`).toBeLessThan(500);
}

function expectAdminBody(response: RawResponse, what: string) {
  expect(response.body?.errors?.[0]?.status, `${what}: ${response.text.slice(0, 300)}`).toBe(response.status);
}

function expectOAuthBody(response: RawResponse, what: string) {
  expect(typeof response.body?.error, `${what}: ${response.text.slice(0, 300)}`).toBe('string');
}

const fill = (path: string, junk?: string) =>
  path.replace(
    /\{(\w+)\}/g,
    (_, name: string) => junk ?? (name === 'nokey' ? 'nothing' : ids[name as keyof typeof ids]),
  );

describe('malformed ids in paths', () => {
  it('answer 4xx with the errors body on every admin route, with a token and without', async () => {
    for (const [method, template] of adminRoutes) {
      if (!template.includes('{')) continue;
      for (const junk of junkIds)
        for (const authorization of [`Bearer ${token}`, undefined]) {
          const path = fill(template, junk);
          const response = await rawRequest(server.url, path, {
            method,
            headers: { ...(authorization && { authorization }), 'content-type': 'application/json' },
            body: method === 'GET' || method === 'DELETE' ? undefined : '{"data": {}}',
          });
          const what = `${method} ${path.slice(0, 80)} ${authorization ? 'with' : 'without'} token`;
          expectClientFault(response, what);
          expectAdminBody(response, what);
        }
    }
  });

  it('answer 4xx on the OAuth and sign-in routes', async () => {
    for (const [method, template] of oauthRoutes) {
      if (!template.includes('{')) continue;
      for (const junk of junkIds) {
        const path = fill(template, junk);
        const response = await rawRequest(server.url, path, { method, from: from() });
        expectClientFault(response, `${method} ${path.slice(0, 80)}`);
      }
    }
  });
});

describe('malformed paths', () => {
  it('answer 400 with the body of the API they are under', async () => {
    for (const path of junkPaths)
      for (const method of ['GET', 'POST']) {
        const response = await rawRequest(server.url, path, {
          method,
          headers: { authorization: `Bearer ${token}` },
          from: from(),
        });
        const what = `${method} ${path}`;
        expect(response.status, what).toBe(400);
        if (/^\/v2\//i.test(path)) expectAdminBody(response, what);
        else expectOAuthBody(response, what);
      }
  });
});

describe('odd but well-formed paths', () => {
  it('answer 4xx, never 500', async () => {
    const odd = [
      '//token/',
      '//v2/stores/',
      '/v2//stores',
      '/./token',
      '/v2/../token',
      '/token?x=%zz',
      '/v2/me/',
      '/V2/ME//',
      '/%2e%2e/token',
      '/\\token',
    ];
    for (const path of odd)
      for (const method of ['GET', 'POST']) {
        const response = await rawRequest(server.url, path, { method, from: from() });
        expect(response.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
        expect(response.status, `${method} ${path}`).toBeLessThan(500);
      }
  });
});

describe('malformed credentials and bodies', () => {
  it('answer 4xx on every route, in the body of its API', async () => {
    const routes = [...adminRoutes, ...oauthRoutes].map(([method, template]) => [method, fill(template)]);
    for (const [method, path] of routes)
      for (const authorization of junkAuthorizations) {
        const response = await rawRequest(server.url, path!, {
          method,
          headers: { authorization },
          from: from(),
        });
        const what = `${method} ${path} with ${authorization.slice(0, 40)}`;
        if (path!.startsWith('/v2')) {
          expect(response.status, what).toBe(401);
          expectAdminBody(response, what);
        } else if (response.status >= 400) {
          expectClientFault(response, what);
        }
      }
  });

  it('answer 4xx with the body of its API for every malformed body', async () => {
    const posts = [...adminRoutes, ...oauthRoutes].filter(([method]) => method !== 'GET');
    for (const [method, template] of posts)
      for (const { type, body } of bodies)
        for (const authorization of [`Bearer ${token}`, basic('appkeys_x', 'y')]) {
          const path = fill(template);
          const response = await rawRequest(server.url, path, {
            method,
            headers: { authorization, 'content-type': type },
            body,
            from: from(),
          });
          const what = `${method} ${path} ${type} ${body.slice(0, 40)}`;
          if (method === 'DELETE' && response.status === 404) continue;
          expectClientFault(response, what);
          if (path.startsWith('/v2')) expectAdminBody(response, what);
          else if (!path.startsWith('/interaction')) expectOAuthBody(response, what);
        }
  });

  it('answers client authentication with junk in the id or secret with invalid_client', async () => {
    for (const path of ['/token', '/token/introspection', '/token/revocation'])
      for (const authorization of junkAuthorizations.filter((a) => /^basic/i.test(a))) {
        const response = await rawRequest(server.url, path, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
          body: path === '/token' ? 'grant_type=client_credentials' : 'token=abc',
          from: from(),
        });
        const what = `${path} with ${authorization}`;
        expect([400, 401], what).toContain(response.status);
        expectOAuthBody(response, what);
      }
  });

  it('answers unusual methods and a key on personal routes with 4xx, never 500', async () => {
    const paths = [...new Set([...adminRoutes, ...oauthRoutes].map(([, template]) => fill(template)))];
    for (const path of paths)
      for (const method of ['GET', 'POST', 'OPTIONS', 'HEAD', 'PUT', 'PROPFIND', 'TRACE', 'DELETE']) {
        const response = await rawRequest(server.url, path, {
          method,
          headers: { authorization: `Bearer ${token}` },
          from: from(),
        });
        expect(response.status, `${method} ${path}`).toBeLessThan(500);
      }
  });
});
