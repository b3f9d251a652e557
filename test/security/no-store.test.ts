import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, fixtures, ownerPath } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let server: TestServer;
let f: ReturnType<typeof fixtures>;

beforeAll(async () => {
  server = await startTestServer();
  f = fixtures(server.runtime, server.url);
});
afterAll(() => server?.close());

describe('Cache-Control: no-store on every /v2 response', () => {
  it('covers successes, secrets and every kind of error', async () => {
    const org = await f.organization(100);
    const owner = { type: 'organization', id: org.id } as const;
    const api = adminClient(server.url, await f.token(await f.key(owner)));
    const keys = `${ownerPath(owner)}/application-keys`;
    const created = await api.post(keys, { data: { type: 'application_key', name: 'cached?' } });
    expect(created.status).toBe(201);
    expect(created.body.data.client_secret).toBeTruthy();

    const anonymous = await fetch(`${server.url}${keys}`);
    const responses = {
      created,
      rotated: await api.post(`${keys}/${created.body.data.id}/rotate-secret`),
      list: await api.get(keys),
      rateLimit: await api.get(`${ownerPath(owner)}/rate-limit`),
      badJson: await api.raw('POST', keys, '{"data":'),
      conflict: await api.post(keys, { data: { type: 'application_key', name: 'cached?' } }),
      forbidden: await api.post('/v2/organizations', { data: { name: 'x', rate_limit: 1 } }),
      notFound: await api.get('/v2/nothing-here'),
      methodNotAllowed: await api.patch(keys, { data: {} }),
      unauthorized: { status: anonymous.status, headers: anonymous.headers },
    };
    const statuses = Object.fromEntries(Object.entries(responses).map(([name, r]) => [name, r.status]));
    expect(statuses).toEqual({
      created: 201,
      rotated: 200,
      list: 200,
      rateLimit: 200,
      badJson: 400,
      conflict: 409,
      forbidden: 403,
      notFound: 404,
      methodNotAllowed: 405,
      unauthorized: 401,
    });
    for (const [name, response] of Object.entries(responses))
      expect([name, response.headers.get('cache-control')]).toEqual([name, 'no-store']);
  });
});
