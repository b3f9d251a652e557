import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminClient } from '../helpers/fixtures.ts';
import { startTwoInstances, type TwoInstances } from '../helpers/two-instances.ts';

const LEASE_TTL_MS = 10_000; // src/infra/mongo/leases.ts

let cluster: TwoInstances;
beforeAll(async () => {
  cluster = await startTwoInstances({ REDIS_URL: inject('redisUrl') });
});
afterAll(() => cluster?.close());

describe('an instance SIGKILLed during concurrent reservation changes', () => {
  it('leaves the reserved sum within the limit, every 201 persisted, and blocks the owner at most a lease TTL', async () => {
    const { f, first, second, secondUrl } = cluster;
    const org = await f.organization(100_000);
    const store = await f.store(org.id, 100);
    const token = await f.token(await f.key({ type: 'organization', id: org.id }));
    const apis = [adminClient(first.url, token), adminClient(secondUrl, token)];
    const create = (i: number) =>
      apis[i % 2]!.post(`/v2/stores/${store.id}/application-keys`, {
        data: { name: `crash-${i}`, reserved_rate_limit: 5 },
      }).catch(() => ({ status: 0, body: undefined })); // the killed instance's requests fail

    const pending = Array.from({ length: 50 }, (_, i) => create(i));
    // kill the second instance while it takes and holds leases
    await sleep(400);
    second.child.kill('SIGKILL');
    const killedAt = Date.now();
    const responses = await Promise.all(pending);
    const fromFirst = responses.filter((_, i) => i % 2 === 0);
    expect(fromFirst.map((r) => r.status).filter((s) => s !== 201 && s !== 409)).toEqual([]);

    const stored = await first.db.collection('application_keys').find({ 'owner.id': store.id }).toArray();
    const reserved = stored.reduce((sum, doc) => sum + (doc.reserved_rate_limit as number), 0);
    expect(reserved).toBeLessThanOrEqual(100);
    const ids = new Set(stored.map((doc) => String(doc._id)));
    const created = responses.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThan(0);
    for (const response of created) expect(ids.has(response.body.data.id)).toBe(true);

    // whatever lease the dead instance held expires: a change on the survivor goes through within its TTL
    const lease = await first.db.collection('leases').findOne({ _id: `limits:store:${store.id}` as never });
    const free = await apis[0]!.patch(`/v2/stores/${store.id}`, { data: { name: 'after the crash' } });
    expect(free.status).toBe(200);
    expect(Date.now() - killedAt).toBeLessThan(LEASE_TTL_MS + 2000);
    console.info(
      `${created.length} keys created, ${reserved} reserved; lease left by the killed instance: ${lease ? 'yes' : 'no'}; ` +
        `owner free again ${Date.now() - killedAt} ms after the kill`,
    );
  });

  it('lets a stale lease block its owner only until it expires', async () => {
    const { f, first } = cluster;
    const org = await f.organization(100_000);
    const store = await f.store(org.id, 100);
    const token = await f.token(await f.key({ type: 'organization', id: org.id }));
    // a holder that crashed 8 s into its 10 s lease
    const expiresAt = Date.now() + 2000;
    await first.db.collection('leases').insertOne({
      _id: `limits:store:${store.id}` as never,
      holder: 'crashed',
      expiresAt: new Date(expiresAt),
    });
    const response = await adminClient(first.url, token).post(`/v2/stores/${store.id}/application-keys`, {
      data: { name: 'after-stale-lease', reserved_rate_limit: 5 },
    });
    expect(response.status).toBe(201);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    expect(Date.now() - expiresAt).toBeLessThan(1500);
  });
});
