import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer(); // METRICS_PORT=0: a free port on METRICS_HOST (127.0.0.1)
});
afterAll(() => server?.close());

describe('/metrics on its own listener', () => {
  it('is not served on the public port', async () => {
    const f = fixtures(server.runtime, server.url);
    await f.token(await f.key({ type: 'organization', id: (await f.organization()).id }));
    for (const path of ['/metrics', '/metrics/', '/METRICS'])
      expect((await fetch(`${server.url}${path}`)).status).toBe(404);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).not.toContain('appkeys_');
  });

  it('serves Prometheus text on METRICS_HOST (loopback by default) and nothing else there', async () => {
    const url = new URL(server.metricsUrl);
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.port).not.toBe(String(new URL(server.url).port));
    const response = await fetch(server.metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toMatch(/appkeys_tokens_issued_total\{grant="client_credentials"\} \d+/);
    expect((await fetch(`${url.origin}/v2/me`)).status).toBe(404);
    expect((await fetch(`${url.origin}/metrics`, { method: 'POST' })).status).toBe(404);
  });

  it('closes with the server', async () => {
    const other = await startTestServer();
    expect((await fetch(other.metricsUrl)).status).toBe(200);
    await other.close();
    await expect(fetch(other.metricsUrl)).rejects.toThrow();
  });
});
