import { createRequire } from 'node:module';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRouter } from '../src/http/admin-router.ts';
import { createSignInThrottle } from '../src/http/interactions/sign-in-throttle.ts';
import { openApiRoutes } from '../src/http/openapi/routes.ts';
import { adminClient, fixtures, ownerPath } from './helpers/fixtures.ts';
import type { Json } from './helpers/http.ts';
import { signIn } from './helpers/sign-in.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

// ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1) as the validator package itself uses it
const requireFromValidator = createRequire(
  createRequire(import.meta.url).resolve('@seriousme/openapi-schema-validator'),
);
type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };
const Ajv2020 = requireFromValidator('ajv/dist/2020.js') as new (options: object) => {
  compile(schema: object): Validate;
};
const addFormats = requireFromValidator('ajv-formats') as (ajv: unknown) => void;

const PASSWORD = 'correct horse battery staple';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

let server: TestServer;
let f: ReturnType<typeof fixtures>;
let document: Json;

beforeAll(async () => {
  server = await startTestServer();
  f = fixtures(server.runtime, server.url);
  document = await (await fetch(`${server.url}/v2/openapi.json`)).json();
});
afterAll(() => server?.close());

/** `METHOD /v2/path/{param}` of every operation the document describes. */
function documented(doc: Json): Set<string> {
  return new Set(
    Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
      METHODS.filter((method) => item[method]).map((method) => `${method.toUpperCase()} ${path}`),
    ),
  );
}

describe('GET /v2/openapi.json', () => {
  it('is served without a token, as JSON that may not be cached', async () => {
    const response = await fetch(`${server.url}/v2/openapi.json`, {
      headers: { authorization: 'Bearer not-a-token' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('ratelimit')).toBeNull();
    expect(((await response.json()) as Json).openapi).toBe('3.1.0');
  });

  it('is one path: other spellings are canonicalised, other methods need a token like any /v2 path', async () => {
    expect((await fetch(`${server.url}/V2/OpenAPI.json/`)).status).toBe(200);
    expect((await fetch(`${server.url}/v2/openapi.json`, { method: 'POST' })).status).toBe(401);
    const key = await f.key({ type: 'organization', id: (await f.organization()).id });
    const posted = await fetch(`${server.url}/v2/openapi.json`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await f.token(key)}` },
    });
    expect(posted.status).toBe(405);
    expect(posted.headers.get('allow')).toContain('GET');
  });

  it("is charged to nobody: fetching it spends none of the caller's owner's pool", async () => {
    const owner = { type: 'organization' as const, id: (await f.organization(1)).id };
    const token = await f.token(await f.key(owner));
    await new Promise((resolve) => setTimeout(resolve, 1100)); // minting was charged: let the pool refill
    const fetched = await Promise.all(
      Array.from({ length: 5 }, () =>
        fetch(`${server.url}/v2/openapi.json`, { headers: { authorization: `Bearer ${token}` } }),
      ),
    );
    expect(fetched.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(fetched.every((response) => response.headers.get('ratelimit') === null)).toBe(true);
    // a limit of 1 request per second: had the fetches been charged, this would answer 429
    expect((await adminClient(server.url, token).get(ownerPath(owner))).status).toBe(200);
  });

  it('validates as OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it("names this issuer's endpoints (as discovery does) and the scope each action needs", async () => {
    const discovery = (await (
      await fetch(`${server.url}/.well-known/oauth-authorization-server`)
    ).json()) as Json;
    const { application_key: key, person } = document.components.securitySchemes;
    expect(key.flows.clientCredentials.tokenUrl).toBe(discovery.token_endpoint);
    expect(person.flows.authorizationCode.tokenUrl).toBe(discovery.token_endpoint);
    expect(person.flows.authorizationCode.authorizationUrl).toBe(discovery.authorization_endpoint);
    expect(Object.keys(key.flows.clientCredentials.scopes)).toEqual(
      expect.arrayContaining(['keys:read', 'keys:write', 'audit:read']),
    );
    const op = (path: string, method: string) => document.paths[path][method];
    expect(op('/v2/organizations/{ownerId}/application-keys', 'post').security).toEqual([
      { application_key: ['keys:write'] },
      { person: ['admin'] },
    ]);
    expect(op('/v2/stores/{ownerId}/audit-events', 'get').security).toContainEqual({
      application_key: ['audit:read'],
    });
    // operators only: no key may create an organization; /v2/me is for people; the document is public
    expect(op('/v2/organizations', 'post').security).toEqual([{ person: ['admin'] }]);
    expect(op('/v2/me', 'get').security).toEqual([{ person: ['admin'] }]);
    expect(op('/v2/application-keys', 'get').security).toEqual([{ application_key: ['keys:read'] }]);
    expect(op('/v2/openapi.json', 'get').security).toEqual([]);
  });
});

describe('route coverage', () => {
  /** `METHOD /v2/path/{param}` of every route the routers register (HEAD comes with GET). */
  function registered(): Set<string> {
    const routers = [
      adminRouter({
        domain: server.runtime.domain,
        limiter: server.runtime.limiter,
        signInThrottle: createSignInThrottle(undefined),
      }),
      openApiRoutes(server.config.issuer),
    ];
    return new Set(
      routers.flatMap((router) =>
        router.stack.flatMap((layer) =>
          layer.methods
            .filter((method) => method !== 'HEAD')
            .map((method) => `${method} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`),
        ),
      ),
    );
  }

  it('documents every registered route, and registers every documented one', () => {
    const routes = registered();
    const operations = documented(document);
    expect([...routes].filter((route) => !operations.has(route))).toEqual([]);
    expect([...operations].filter((operation) => !routes.has(operation))).toEqual([]);
    // the compatibility paths and both owner forms are there as the router spells them
    expect(routes).toContain('POST /v2/application-keys/{keyId}/rotate-secret');
    expect(routes).toContain('GET /v2/stores/{ownerId}/rate-limit');
    expect(routes.size).toBeGreaterThan(40);
  });

  it('lists every path parameter of a route as a required parameter', () => {
    for (const [path, item] of Object.entries(document.paths as Record<string, Json>)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const method of METHODS.filter((m) => item[m])) {
        const inPath = (item[method].parameters as Json[]).filter((p) => p.in === 'path');
        expect(
          inPath.map((p) => p.name),
          `${method} ${path}`,
        ).toEqual(names);
        expect(inPath.every((p) => p.required)).toBe(true);
      }
    }
  });
});

describe('real answers match the documented schemas', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);

  /** The JSON schema the document gives for `status` of `method path` (following $refs to components). */
  function schemaOf(path: string, method: string, status: number): Json {
    let response = document.paths[path]?.[method]?.responses?.[String(status)];
    expect(response, `${method} ${path} documents ${status}`).toBeDefined();
    if (response.$ref) response = document.components.responses[String(response.$ref).split('/').pop() ?? ''];
    return response.content['application/json'].schema;
  }

  function expectConforms(path: string, method: string, answer: { status: number; body: Json }) {
    const schema = schemaOf(path, method, answer.status);
    const validate = ajv.compile({ ...schema, components: document.components });
    const valid = validate(answer.body);
    expect(validate.errors ?? [], `${method} ${path} ${answer.status}`).toEqual([]);
    expect(valid).toBe(true);
  }

  it('key create and list, organization read, 404 and 400', async () => {
    const org = await f.organization(100);
    const owner = { type: 'organization' as const, id: org.id };
    const api = adminClient(server.url, await f.token(await f.key(owner)));
    const keys = `${ownerPath(owner)}/application-keys`;
    const docKeys = '/v2/organizations/{ownerId}/application-keys';

    const created = await api.post(keys, {
      data: { name: 'checked', reserved_rate_limit: 10, allowed_origins: ['https://shop.example'] },
    });
    expect(created.status).toBe(201);
    expectConforms(docKeys, 'post', created);

    const listed = await api.get(`${keys}?page[limit]=5`);
    expect(listed.status).toBe(200);
    expectConforms(docKeys, 'get', listed);

    const read = await api.get(ownerPath(owner));
    expect(read.status).toBe(200);
    expectConforms('/v2/organizations/{orgId}', 'get', read);

    const missing = await api.get(`${keys}/no-such-key`);
    expect(missing.status).toBe(404);
    expectConforms(`${docKeys}/{keyId}`, 'get', missing);

    const bad = await api.post(keys, { data: { name: 'x', colour: 'red' } });
    expect(bad.status).toBe(400);
    expectConforms(docKeys, 'post', bad);

    const rotated = await api.post(`${keys}/${created.body.data.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expectConforms(`${docKeys}/{keyId}/rotate-secret`, 'post', rotated);

    const view = await api.get(`${ownerPath(owner)}/rate-limit`);
    expect(view.status).toBe(200);
    expectConforms('/v2/organizations/{ownerId}/rate-limit', 'get', view);

    const audit = await api.get(`${ownerPath(owner)}/audit-events`);
    expect(audit.status).toBe(200);
    expect(audit.body.data.length).toBeGreaterThan(0);
    expectConforms('/v2/organizations/{ownerId}/audit-events', 'get', audit);

    const unauthorized = await adminClient(server.url, 'nope').get(keys);
    expect(unauthorized.status).toBe(401);
    expectConforms(docKeys, 'get', unauthorized);
  });

  it('a store, its members and a person’s /v2/me', async () => {
    const org = await f.organization(100);
    const store = await f.store(org.id, 50);
    const owner = { type: 'store' as const, id: store.id };
    const email = `openapi-${Date.now()}@example.com`;
    await server.runtime.domain.users.create({ kind: 'cli' }, { email, password: PASSWORD });
    const api = adminClient(server.url, await f.token(await f.key({ type: 'organization', id: org.id })));

    const added = await api.post(`${ownerPath(owner)}/members`, { data: { email, role: 'store_admin' } });
    expect(added.status).toBe(201);
    expectConforms('/v2/stores/{ownerId}/members', 'post', added);
    const members = await api.get(`${ownerPath(owner)}/members`);
    expectConforms('/v2/stores/{ownerId}/members', 'get', members);
    const read = await api.get(ownerPath(owner));
    expectConforms('/v2/stores/{storeId}', 'get', read);

    const person = adminClient(
      server.url,
      (await signIn(server.config.issuer, email, PASSWORD)).access_token,
    );
    const me = await person.get('/v2/me');
    expect(me.status).toBe(200);
    expect(me.body.data.memberships).toHaveLength(1);
    expectConforms('/v2/me', 'get', me);
    const forbidden = await person.get('/v2/application-keys');
    expect(forbidden.status).toBe(403);
    expectConforms('/v2/application-keys', 'get', forbidden);
  });

  it('429 with Retry-After and the RateLimit headers the document declares', async () => {
    const owner = { type: 'organization' as const, id: (await f.organization(1)).id };
    const api = adminClient(server.url, await f.token(await f.key(owner)));
    const answers = await Promise.all(Array.from({ length: 6 }, () => api.get(ownerPath(owner))));
    const limited = answers.find((answer) => answer.status === 429);
    expect(limited).toBeDefined();
    if (!limited) return;
    expectConforms('/v2/organizations/{orgId}', 'get', limited);
    const declared = document.components.responses.TooManyRequests.headers;
    for (const name of ['Retry-After', 'RateLimit-Policy', 'RateLimit', 'Cache-Control']) {
      expect(declared).toHaveProperty([name]);
      expect(limited.headers.get(name), name).not.toBeNull();
    }
    expect(limited.headers.get('retry-after')).toMatch(/^[0-9]+$/);
  });

  it('a documented answer rejects what the server never sends (the check can fail)', () => {
    const schema = schemaOf('/v2/organizations/{orgId}', 'get', 200);
    const validate = ajv.compile({ ...schema, components: document.components });
    expect(validate({ data: { id: 'x', type: 'organization', name: 'n', rate_limit: 1 } })).toBe(false);
    // a listed key never carries its secret: the list's item shape has no client_secret
    const listed = schemaOf('/v2/stores/{ownerId}/application-keys', 'get', 200);
    expect(listed.properties.data.items.properties).not.toHaveProperty('client_secret');
    expect(schemaOf('/v2/stores/{ownerId}/application-keys', 'post', 201).properties.data.required).toContain(
      'client_secret',
    );
  });
});
