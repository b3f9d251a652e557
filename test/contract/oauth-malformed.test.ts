import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures, type KeyFixture } from '../helpers/fixtures.ts';
import { expectNoErrorLogs } from '../helpers/no-error-logs.ts';
import { basic, rawRequest, type RawRequest } from '../helpers/raw-request.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * A hand-written table of what a fuzzer built from a schema rarely sends to oidc-provider's form
 * endpoints: broken or repeated headers, bytes that are not UTF-8, huge bodies, repeated and array
 * parameters, odd Basic credentials, JSON instead of a form. Each answers 4xx with an OAuth JSON
 * error body (`{"error": ...}`), never 5xx, and the server logs no error for it.
 */
let server: TestServer;
let key: KeyFixture;
let token: string;

beforeAll(async () => {
  server = await startTestServer({}, { refusals: { points: 1_000_000, seconds: 60 } });
  const f = fixtures(server.runtime, server.url);
  const org = await f.organization(1_000_000);
  key = await f.key({ type: 'organization', id: org.id });
  token = await f.token(key);
});
afterAll(() => server?.close());
expectNoErrorLogs(() => server.logs);

const FORM = 'application/x-www-form-urlencoded';
const endpoints = ['/token', '/oauth/access_token', '/token/introspection', '/token/revocation'];
/** A valid body for the endpoint, to be spoiled by one case. */
const validBody = (path: string) =>
  path.includes('/token/') ? `token=${token}` : 'grant_type=client_credentials';
const keyBasic = () => basic(key.clientId, key.secret);

/**
 * `status`: the refusal expected (with an OAuth JSON error body); `tolerated`: harmless oddities
 * that may succeed, still never 5xx. `only`: the endpoints the case applies to (default: all).
 */
type Case = { name: string; request: (path: string) => RawRequest; only?: string[] } & (
  { status: number } | { tolerated: true }
);
const revokeOrIntrospect = ['/token/introspection', '/token/revocation'];
const mint = ['/token', '/oauth/access_token'];
const cases: Case[] = [
  // Content-Type
  {
    name: 'no Content-Type',
    status: 400,
    request: (p) => ({ headers: { authorization: keyBasic() }, body: validBody(p) }),
  },
  {
    name: 'Content-Type text/plain',
    status: 400,
    request: (p) => ({
      headers: { authorization: keyBasic(), 'content-type': 'text/plain' },
      body: validBody(p),
    }),
  },
  {
    name: 'Content-Type application/json with a form body',
    status: 400,
    request: (p) => ({
      headers: { authorization: keyBasic(), 'content-type': 'application/json' },
      body: validBody(p),
    }),
  },
  {
    name: 'Content-Type that does not parse',
    status: 400,
    request: (p) => ({ headers: { authorization: keyBasic(), 'content-type': ';;=/' }, body: validBody(p) }),
  },
  {
    name: 'Content-Type with a bad charset',
    tolerated: true,
    request: (p) => ({
      headers: { authorization: keyBasic(), 'content-type': `${FORM}; charset=klingon` },
      body: validBody(p),
    }),
  },
  {
    name: 'Content-Type multipart without a boundary',
    status: 400,
    request: (p) => ({
      headers: { authorization: keyBasic(), 'content-type': 'multipart/form-data' },
      body: validBody(p),
    }),
  },
  {
    name: 'two Content-Type lines, JSON first',
    status: 400,
    request: () => ({
      headers: { authorization: keyBasic(), 'content-type': ['application/json', FORM] },
      body: '{"grant_type": "client_credentials"}',
    }),
  },
  {
    name: 'two Content-Type lines, form first, JSON body',
    status: 400,
    request: () => ({
      headers: { authorization: keyBasic(), 'content-type': [FORM, 'application/json'] },
      body: '{"grant_type": "client_credentials", "token": "x"}',
    }),
  },
  {
    name: 'two Content-Types in one line',
    status: 400,
    request: (p) => ({
      headers: { authorization: keyBasic(), 'content-type': `${FORM}, application/json` },
      body: validBody(p),
    }),
  },
  // encodings and bytes
  {
    name: 'bytes that are not UTF-8',
    status: 400,
    request: (p) => ({
      headers: { authorization: keyBasic(), 'content-type': FORM },
      body: Buffer.concat([Buffer.from(`${validBody(p)}&x=`), Buffer.from([0xff, 0xfe, 0xc3, 0x28])]),
    }),
  },
  {
    name: 'a percent-encoded value that is not UTF-8',
    status: 400,
    request: (p) => ({
      headers: { authorization: keyBasic(), 'content-type': FORM },
      body: `${validBody(p)}&scope=%FF%FE`,
    }),
  },
  {
    name: 'Content-Encoding gzip on a body that is not gzip',
    status: 415,
    request: (p) => ({
      headers: { authorization: keyBasic(), 'content-type': FORM, 'content-encoding': 'gzip' },
      body: validBody(p),
    }),
  },
  {
    name: 'an unknown Content-Encoding',
    status: 415,
    request: (p) => ({
      headers: { authorization: keyBasic(), 'content-type': FORM, 'content-encoding': 'br, zstd, klingon' },
      body: validBody(p),
    }),
  },
  // size
  {
    name: 'a 1 MiB body',
    status: 413,
    request: (p) => ({
      headers: { authorization: keyBasic(), 'content-type': FORM },
      body: `${validBody(p)}&x=${'a'.repeat(1024 * 1024)}`,
    }),
  },
  {
    name: 'a 1 MiB JSON body',
    status: 400,
    request: () => ({
      headers: { authorization: keyBasic(), 'content-type': 'application/json' },
      body: JSON.stringify({ x: 'a'.repeat(1024 * 1024) }),
    }),
  },
  {
    name: '10,000 parameters',
    tolerated: true,
    request: (p) => ({
      headers: { authorization: keyBasic(), 'content-type': FORM },
      body: `${validBody(p)}${'&a=1'.repeat(10_000)}`,
    }),
  },
  {
    name: 'a 60 KB parameter name',
    status: 413,
    request: (p) => ({
      headers: { authorization: keyBasic(), 'content-type': FORM },
      body: `${validBody(p)}&${'n'.repeat(60_000)}=1`,
    }),
  },
  {
    name: 'a 20 KB Authorization header',
    status: 431,
    request: (p) => ({
      headers: { authorization: basic('a'.repeat(10_000), 'b'.repeat(10_000)), 'content-type': FORM },
      body: validBody(p),
    }),
  },
  // repeated and array parameters
  {
    name: 'grant_type twice',
    status: 400,
    only: mint,
    request: () => ({
      headers: { authorization: keyBasic(), 'content-type': FORM },
      body: 'grant_type=client_credentials&grant_type=client_credentials',
    }),
  },
  {
    name: 'token twice',
    status: 400,
    only: revokeOrIntrospect,
    request: () => ({
      headers: { authorization: keyBasic(), 'content-type': FORM },
      body: `token=${token}&token=${token}&grant_type=client_credentials`,
    }),
  },
  {
    name: 'client_id twice (client_secret_post)',
    status: 400,
    request: (p) => ({
      headers: { 'content-type': FORM },
      body: `${validBody(p)}&client_id=${key.clientId}&client_id=${key.clientId}&client_secret=${key.secret}`,
    }),
  },
  {
    name: 'client_secret twice (client_secret_post)',
    status: 400,
    request: (p) => ({
      headers: { 'content-type': FORM },
      body: `${validBody(p)}&client_id=${key.clientId}&client_secret=${key.secret}&client_secret=${key.secret}`,
    }),
  },
  {
    name: 'scope twice',
    status: 400,
    only: mint,
    request: (p) => ({
      headers: { authorization: keyBasic(), 'content-type': FORM },
      body: `${validBody(p)}&scope=keys:read&scope=admin`,
    }),
  },
  {
    name: 'array parameters (grant_type[], token[], client_id[])',
    status: 400,
    request: () => ({
      headers: { 'content-type': FORM },
      body: `grant_type[]=client_credentials&token[]=${token}&client_id[]=${key.clientId}&client_secret=${key.secret}`,
    }),
  },
  {
    name: 'indexed array parameters (client_id[0])',
    status: 400,
    request: (p) => ({
      headers: { 'content-type': FORM },
      body: `${validBody(p)}&client_id[0]=${key.clientId}&client_secret[0]=${key.secret}`,
    }),
  },
  {
    name: 'nested object parameters (client_id[a][b])',
    status: 400,
    request: (p) => ({
      headers: { 'content-type': FORM },
      body: `${validBody(p)}&client_id[a][b]=${key.clientId}&client_secret=${key.secret}`,
    }),
  },
  {
    name: '__proto__ and constructor parameters',
    tolerated: true,
    request: (p) => ({
      headers: { authorization: keyBasic(), 'content-type': FORM },
      body: `${validBody(p)}&__proto__=x&constructor=y&__proto__[admin]=1&hasOwnProperty=z`,
    }),
  },
  // client credentials
  {
    name: 'empty client_id (client_secret_post)',
    status: 400,
    request: (p) => ({
      headers: { 'content-type': FORM },
      body: `${validBody(p)}&client_id=&client_secret=x`,
    }),
  },
  {
    name: 'empty client_id (HTTP Basic)',
    status: 400,
    request: (p) => ({
      headers: { authorization: basic('', 'x'), 'content-type': FORM },
      body: validBody(p),
    }),
  },
  {
    name: 'Basic with % in the client id',
    status: 400,
    request: (p) => ({
      headers: { authorization: basic('%', 'x'), 'content-type': FORM },
      body: validBody(p),
    }),
  },
  {
    name: 'Basic with a broken percent-escape in the secret',
    status: 400,
    request: (p) => ({
      headers: { authorization: basic(key.clientId, `${key.secret}%zz`), 'content-type': FORM },
      body: validBody(p),
    }),
  },
  {
    name: 'Basic with no colon',
    status: 400,
    request: (p) => ({
      headers: {
        authorization: `Basic ${Buffer.from(key.clientId).toString('base64')}`,
        'content-type': FORM,
      },
      body: validBody(p),
    }),
  },
  {
    name: 'Basic with invalid base64',
    status: 400,
    request: (p) => ({ headers: { authorization: 'Basic !!!*', 'content-type': FORM }, body: validBody(p) }),
  },
  {
    name: 'Basic with bytes that are not UTF-8',
    status: 400,
    request: (p) => ({
      headers: {
        authorization: `Basic ${Buffer.from([0xff, 0x3a, 0xfe]).toString('base64')}`,
        'content-type': FORM,
      },
      body: validBody(p),
    }),
  },
  {
    name: 'Basic with nothing after the scheme',
    status: 400,
    request: (p) => ({ headers: { authorization: 'Basic ', 'content-type': FORM }, body: validBody(p) }),
  },
  {
    name: 'two Authorization lines',
    status: 400,
    request: (p) => ({
      headers: { authorization: [keyBasic(), basic('other', 'x')], 'content-type': FORM },
      body: validBody(p),
    }),
  },
  {
    name: 'Basic and client_secret_post at once',
    status: 400,
    request: (p) => ({
      headers: { authorization: keyBasic(), 'content-type': FORM },
      body: `${validBody(p)}&client_id=${key.clientId}&client_secret=${key.secret}`,
    }),
  },
  {
    name: 'a Bearer token instead of client credentials',
    status: 400,
    request: (p) => ({
      headers: { authorization: `Bearer ${token}`, 'content-type': FORM },
      body: validBody(p),
    }),
  },
  // JSON
  {
    name: 'a JSON body instead of a form',
    status: 400,
    request: () => ({
      headers: { authorization: keyBasic(), 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', token }),
    }),
  },
  {
    name: 'a JSON body instead of a form, credentials in it',
    status: 400,
    request: () => ({
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: key.clientId,
        client_secret: key.secret,
      }),
    }),
  },
  {
    name: 'invalid JSON',
    status: 400,
    request: () => ({
      headers: { authorization: keyBasic(), 'content-type': 'application/json' },
      body: '{"a":',
    }),
  },
];

let address = 0;
/** Each request from its own loopback address, so the failed-authentication throttle never answers in its place. */
const from = () => `127.0.${Math.floor(++address / 250) + 50}.${(address % 250) + 1}`;

describe('malformed requests to the OAuth form endpoints', () => {
  for (const testCase of cases)
    it(`${testCase.name}: ${'status' in testCase ? `${testCase.status} with an OAuth error body` : 'never 5xx'}`, async () => {
      for (const path of testCase.only ?? endpoints) {
        const response = await rawRequest(server.url, path, {
          method: 'POST',
          from: from(),
          ...testCase.request(path),
        });
        const what = `${path}, ${testCase.name}: ${response.status} ${response.text.slice(0, 300)}`;
        if ('status' in testCase) {
          expect(response.status, what).toBe(testCase.status);
          expect(response.headers['content-type'], what).toMatch(/^application\/json/);
          expect(response.body, what).toEqual({
            error: expect.any(String),
            error_description: expect.any(String),
          });
        } else {
          expect(response.status, what).toBeLessThan(500);
          if (response.text) expect(response.headers['content-type'], what).toMatch(/^application\/json/);
        }
      }
    });
});

describe('the same refusals under /v2', () => {
  it('answer with the errors body', async () => {
    const requests: Array<[RawRequest, number]> = [
      [{ headers: { authorization: [`Bearer ${token}`, 'Bearer other'] } }, 400],
      [
        {
          headers: { authorization: `Bearer ${token}`, 'content-type': ['application/json', 'text/plain'] },
          body: '{}',
        },
        400,
      ],
      [
        {
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'content-encoding': 'gzip',
          },
          body: '{}',
        },
        415,
      ],
    ];
    for (const [request, status] of requests) {
      const response = await rawRequest(server.url, '/v2/application-keys', { method: 'POST', ...request });
      const what = `${JSON.stringify(request.headers)}: ${response.status} ${response.text}`;
      expect(response.status, what).toBe(status);
      expect(response.body?.errors?.[0]?.status, what).toBe(status);
    }
  });
});

describe("requests Node's HTTP parser rejects", () => {
  /** Sends bytes as they are over a socket and reads the whole answer. */
  async function sendRaw(bytes: string): Promise<string> {
    const url = new URL(server.url);
    const socket = net.connect(Number(url.port), url.hostname);
    socket.end(bytes);
    const chunks: Buffer[] = [];
    for await (const chunk of socket) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  it('answer 400 with the body of the API the path is under', async () => {
    for (const [path, shape] of [
      ['/token', /^\{"error":"invalid_request"/],
      ['/v2/application-keys', /^\{"errors":\[\{"status":400/],
    ] as const) {
      const answer = await sendRaw(`POST ${path} HTTP/1.1\r\nHost: x\r\nNot a header\r\n\r\n`);
      const [head, body] = answer.split('\r\n\r\n');
      expect(head, answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(head, answer).toMatch(/content-type: application\/json/i);
      expect(body, answer).toMatch(shape);
    }
  });
});
