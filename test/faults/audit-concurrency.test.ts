import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Json } from '../helpers/http.ts';
import { adminClient } from '../helpers/fixtures.ts';
import { startTwoInstances, type TwoInstances } from '../helpers/two-instances.ts';

let cluster: TwoInstances;
beforeAll(async () => {
  cluster = await startTwoInstances({ REDIS_URL: inject('redisUrl') });
});
afterAll(() => cluster?.close());

/** The whole audit trail of an owner, oldest first (by sequence). */
async function trail(api: ReturnType<typeof adminClient>, ownerPath: string): Promise<Json[]> {
  const events: Json[] = [];
  for (let offset = 0; ; offset += 100) {
    const page = await api.get(`${ownerPath}/audit-events?page[offset]=${offset}&page[limit]=100`);
    expect(page.status).toBe(200);
    events.push(...page.body.data);
    if (page.body.data.length < 100) break;
  }
  return events.reverse();
}

describe('the audit trail under concurrent changes', () => {
  it('replays to the final state: one event per effective change, each "from" the previous "to"', async () => {
    const { f, first, secondUrl } = cluster;
    const org = await f.organization(100_000);
    const store = await f.store(org.id, 100);
    const key = await f.key({ type: 'store', id: store.id }, { name: 'n0', reservedRateLimit: 0 });
    const token = await f.token(await f.key({ type: 'organization', id: org.id }));
    const apis = [adminClient(first.url, token), adminClient(secondUrl, token)];
    const path = `/v2/stores/${store.id}/application-keys/${key.id}`;

    // few distinct values, so that many PATCHes collide and many are no-ops
    const patches = Array.from({ length: 40 }, (_, i) => {
      const data =
        i % 3 === 0
          ? { reserved_rate_limit: i % 4 }
          : i % 3 === 1
            ? { name: `n${i % 5}` }
            : { name: `n${(i >> 1) % 5}`, reserved_rate_limit: (i >> 2) % 4 };
      return apis[i % 2]!.patch(path, { data });
    });
    const responses = await Promise.all(patches);
    expect(responses.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);

    const events = await trail(apis[0]!, `/v2/stores/${store.id}`);
    const sequences = events.map((event) => event.sequence as number);
    // a total order: strictly increasing, no ties
    for (let i = 1; i < sequences.length; i++) expect(sequences[i]).toBeGreaterThan(sequences[i - 1]!);

    const ofKey = events.filter((event) => event.target.id === key.id);
    expect(ofKey[0]).toMatchObject({ action: 'application_key.created' });
    const state: Record<string, unknown> = {
      name: ofKey[0].changes.name.to,
      reserved_rate_limit: ofKey[0].changes.reserved_rate_limit.to,
    };
    const updates = ofKey.slice(1);
    expect(updates.every((event) => event.action === 'application_key.updated')).toBe(true);
    for (const event of updates) {
      const changes = Object.entries(event.changes as Record<string, { from: unknown; to: unknown }>);
      expect(changes.length).toBeGreaterThan(0);
      for (const [field, { from, to }] of changes) {
        expect({ field, from }).toEqual({ field, from: state[field] });
        expect(to).not.toEqual(from);
        state[field] = to;
      }
    }
    const final = (await apis[1]!.get(path)).body.data;
    expect(state).toEqual({ name: final.name, reserved_rate_limit: final.reserved_rate_limit });
    // each event is one successful PATCH that changed something
    expect(updates.length).toBeGreaterThan(5);
    expect(updates.length).toBeLessThanOrEqual(responses.length);
  });

  it('orders events of rate-limit changes and key changes of one owner alike', async () => {
    const { f, first, secondUrl } = cluster;
    const org = await f.organization(100_000);
    const store = await f.store(org.id, 100);
    const key = await f.key({ type: 'store', id: store.id }, { reservedRateLimit: 10 });
    const token = await f.token(await f.key({ type: 'organization', id: org.id }));
    const apis = [adminClient(first.url, token), adminClient(secondUrl, token)];
    // the CLI's way (an operator): rate_limit changes through the domain, racing the HTTP PATCHes
    const cli = { kind: 'cli' } as const;
    const limits = [120, 130, 140, 150, 160, 170];
    await Promise.all([
      ...limits.map((rateLimit) =>
        first.runtime.domain.organizations.updateStore(cli, store.id, { rateLimit }),
      ),
      ...Array.from({ length: 20 }, (_, i) =>
        apis[i % 2]!.patch(`/v2/stores/${store.id}/application-keys/${key.id}`, {
          data: { reserved_rate_limit: 10 + (i % 3) },
        }),
      ),
    ]);
    const events = await trail(apis[0]!, `/v2/stores/${store.id}`);
    let limit = 100;
    for (const event of events.filter((e) => e.action === 'store.updated')) {
      expect(event.changes.rate_limit.from).toBe(limit);
      limit = event.changes.rate_limit.to;
    }
    const stored = (await apis[0]!.get(`/v2/stores/${store.id}`)).body.data;
    expect(limit).toBe(stored.rate_limit);
  });
});
