import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/infra/free-port.ts';
import { adminClient, fixtures } from './helpers/fixtures.ts';
import { runCli } from './helpers/run-cli.ts';
import { spawnServer, type SpawnedServer } from './helpers/spawn-server.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

let server: TestServer;
let second: SpawnedServer;
let secondUrl: string;

beforeAll(async () => {
  server = await startTestServer();
  const port = await freePort();
  const spawned = spawnServer({ ...server.sharedEnv, PORT: String(port) });
  second = spawned;
  await spawned.ready;
  secondUrl = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await second?.stop();
  await server?.close();
});

describe('reservations under concurrency', () => {
  it('never over-reserve when many creates race through two server processes and the CLI', async () => {
    const f = fixtures(server.runtime, server.url);
    const org = await f.organization();
    const store = await f.store(org.id, 100);
    const key = await f.key({ type: 'organization', id: org.id });
    const token = await f.token(key);
    const apis = [adminClient(server.url, token), adminClient(secondUrl, token)];

    const http = Array.from({ length: 40 }, (_, i) =>
      apis[i % 2]!.post(`/v2/stores/${store.id}/application-keys`, {
        data: { name: `racer-${i}`, reserved_rate_limit: 10 },
      }),
    );
    const cli = Array.from({ length: 3 }, (_, i) =>
      runCli(
        ['key', 'create', '--store', store.id, '--name', `cli-racer-${i}`, '--reserved-rate-limit', '10'],
        server.sharedEnv,
      ),
    );
    const [responses, cliResults] = await Promise.all([Promise.all(http), Promise.all(cli)]);

    const created =
      responses.filter((r) => r.status === 201).length + cliResults.filter((r) => r.code === 0).length;
    const refused =
      responses.filter((r) => r.status === 409).length + cliResults.filter((r) => r.code === 1).length;
    expect(responses.filter((r) => r.status !== 201 && r.status !== 409).map((r) => r.text)).toEqual([]);
    expect(created).toBe(10);
    expect(refused).toBe(33);

    const stored = await server.db.collection('application_keys').find({ 'owner.id': store.id }).toArray();
    expect(stored.reduce((sum, doc) => sum + (doc.reserved_rate_limit as number), 0)).toBe(100);
  });

  it('keep the reserved sum within the limit while the limit is lowered concurrently', async () => {
    const f = fixtures(server.runtime, server.url);
    const org = await f.organization();
    const store = await f.store(org.id, 100);
    const token = await f.token(await f.key({ type: 'organization', id: org.id }));
    const apis = [adminClient(server.url, token), adminClient(secondUrl, token)];
    const creates = Array.from({ length: 20 }, (_, i) =>
      apis[i % 2]!.post(`/v2/stores/${store.id}/application-keys`, {
        data: { name: `k-${i}`, reserved_rate_limit: 7 },
      }),
    );
    const lowering = server.runtime.domain.organizations
      .updateStore({ kind: 'cli' }, store.id, { rateLimit: 40 })
      .then(
        () => 'lowered',
        (error: { status?: number }) => (error.status === 409 ? 'refused' : Promise.reject(error)),
      );
    await Promise.all([...creates, lowering]);

    const limit = (await server.runtime.repos.stores.findById(store.id))?.rateLimit ?? 0;
    const stored = await server.db.collection('application_keys').find({ 'owner.id': store.id }).toArray();
    const reserved = stored.reduce((sum, doc) => sum + (doc.reserved_rate_limit as number), 0);
    expect(reserved).toBeLessThanOrEqual(limit);
    expect(reserved).toBeGreaterThan(limit - 7);
  });
});

describe('concurrent changes of one key', () => {
  it('lose nothing: a rotation racing renames, origin changes and token minting keeps every change', async () => {
    const f = fixtures(server.runtime, server.url);
    const org = await f.organization();
    const owner = { type: 'organization' as const, id: org.id };
    const admin = await f.key(owner);
    const target = await f.key(owner, { name: 'target' });
    const token = await f.token(admin);
    const apis = [adminClient(server.url, token), adminClient(secondUrl, token)];
    const path = `/v2/organizations/${org.id}/application-keys/${target.id}`;

    const [rotated] = await Promise.all([
      apis[0]!.post(`${path}/rotate-secret`),
      apis[1]!.patch(path, { data: { name: 'renamed' } }),
      apis[0]!.patch(path, { data: { allowed_origins: ['https://shop.example'] } }),
      ...Array.from({ length: 5 }, () => f.token(target).catch(() => undefined)),
    ]);
    const newSecret = rotated.body.data.client_secret as string;
    const after = await apis[1]!.get(path);
    expect(after.body.data).toMatchObject({ name: 'renamed', allowed_origins: ['https://shop.example'] });
    expect(await f.token({ ...target, secret: newSecret })).toBeTruthy();
    await expect(f.token(target)).rejects.toThrow(/token request failed/);
  });
});
