import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, fixtures } from '../helpers/fixtures.ts';
import { signIn } from '../helpers/sign-in.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * Only the payer's own traffic spends its pools (DESIGN.md section 6): a request is charged once
 * it is authorized, a refused one (401, 403, 404) to no owner, and a person only on owners they
 * belong to. The victim's store has a shared pool of 5 a second; each attack sends 20 refused
 * requests at once, then the victim's own unreserved key must still get its 5.
 */
let server: TestServer;
let f: ReturnType<typeof fixtures>;
const cli = { kind: 'cli' } as const;
const PASSWORD = 'correct horse battery';
let seq = 0;

beforeAll(async () => {
  server = await startTestServer();
  f = fixtures(server.runtime, server.url);
});
afterAll(() => server?.close());

async function person(owner?: { type: 'store' | 'organization'; id: string }, role = 'store_admin') {
  const email = `c${++seq}-${Date.now()}@example.com`;
  await server.runtime.domain.users.create(cli, { email, password: PASSWORD, operator: !owner });
  if (owner)
    await server.runtime.domain.memberships.add(cli, owner, {
      email,
      role: role as 'store_admin',
    });
  return adminClient(server.url, (await signIn(server.config.issuer, email, PASSWORD)).access_token);
}

/** A victim store (pool of 5 a second, no reservations) with a key of its own, in its own organization. */
async function victim() {
  const org = await f.organization(1000);
  const store = await f.store(org.id, 5);
  const key = await f.key({ type: 'store', id: store.id }, { allowedOrigins: ['https://shop.example'] });
  const api = adminClient(server.url, await f.token(key));
  return { org, store, key, api, path: `/v2/stores/${store.id}` };
}

/** Fires the attack, then checks the victim's whole pool is still there: 5 admitted of 5. */
async function expectPoolUntouched(
  v: Awaited<ReturnType<typeof victim>>,
  attack: () => Promise<Array<{ status: number }>>,
  refusedWith: number,
) {
  await sleep(1100); // the pool is full again after the set-up's own requests (minting is charged)
  const statuses = (await attack()).map((r) => r.status);
  expect(statuses.every((s) => s === refusedWith)).toBe(true);
  const own = await Promise.all(Array.from({ length: 5 }, () => v.api.get(`${v.path}/rate-limit`)));
  expect(own.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
}

const times = <T>(n: number, call: () => Promise<T>) => Promise.all(Array.from({ length: n }, call));

describe("another tenant's refused requests spend nothing of the victim", () => {
  it('a person of another organization: 404 on every victim path, uncharged', async () => {
    const v = await victim();
    const otherOrg = await f.organization(1000);
    const otherStore = await f.store(otherOrg.id, 1000);
    const stranger = await person({ type: 'store', id: otherStore.id }, 'store_owner');
    await expectPoolUntouched(v, () => times(20, () => stranger.get(`${v.path}/rate-limit`)), 404);
  });

  it('a key of another organization, and of a sibling store: 404, uncharged', async () => {
    const v = await victim();
    const otherOrg = await f.organization(1000);
    const foreign = adminClient(
      server.url,
      await f.token(await f.key({ type: 'organization', id: otherOrg.id })),
    );
    const sibling = await f.store(v.org.id, 1000);
    const siblingKey = adminClient(server.url, await f.token(await f.key({ type: 'store', id: sibling.id })));
    await expectPoolUntouched(
      v,
      () =>
        Promise.all([
          ...Array.from({ length: 10 }, () => foreign.get(`${v.path}/application-keys`)),
          ...Array.from({ length: 10 }, () => siblingKey.get(`${v.path}/rate-limit`)),
        ]),
      404,
    );
  });

  it('a member of the victim store without the right: 403, uncharged', async () => {
    const v = await victim();
    const member = await person({ type: 'store', id: v.store.id }, 'store_member');
    await expectPoolUntouched(v, () => times(20, () => member.get(`${v.path}/application-keys`)), 403);
  });

  it("a storefront token of the victim's own key: 403, uncharged", async () => {
    const v = await victim();
    const storefront = adminClient(server.url, await f.implicitToken(v.key));
    await expectPoolUntouched(v, () => times(20, () => storefront.get(`${v.path}/rate-limit`)), 403);
  });

  it('a store admin changing the rate limit (operators only): 403, uncharged', async () => {
    const v = await victim();
    const admin = await person({ type: 'store', id: v.store.id }, 'store_admin');
    await expectPoolUntouched(
      v,
      () => times(20, () => admin.patch(v.path, { data: { rate_limit: 1000 } })),
      403,
    );
  });

  it('an operator (a member of nothing) is not charged to the owners they act on', async () => {
    const v = await victim();
    const operator = await person();
    await expectPoolUntouched(v, () => times(20, () => operator.get(`${v.path}/rate-limit`)), 200);
  });

  it('no token at all: 401, uncharged', async () => {
    const v = await victim();
    const nobody = adminClient(server.url, 'not-a-token');
    await expectPoolUntouched(v, () => times(20, () => nobody.get(`${v.path}/rate-limit`)), 401);
  });
});

describe('who pays', () => {
  it("a store admin is charged to the store's shared pool; an org admin to the organization's", async () => {
    const v = await victim();
    const admin = await person({ type: 'store', id: v.store.id }, 'store_admin');
    const charged = await admin.get(`${v.path}/rate-limit`);
    expect(charged.headers.get('ratelimit-policy')).toBe('"shared";q=5;w=1');
    const orgAdmin = await person({ type: 'organization', id: v.org.id }, 'org_admin');
    const byOrg = await orgAdmin.get(`${v.path}/rate-limit`);
    expect(byOrg.status).toBe(200);
    expect(byOrg.headers.get('ratelimit-policy')).toBe('"shared";q=1000;w=1');
  });
});

describe('refusals are slowed per caller instead', () => {
  it('past 100 refusals a minute the caller gets 429 with Retry-After; others are unaffected', async () => {
    const v = await victim();
    const otherOrg = await f.organization(1000);
    const prober = adminClient(
      server.url,
      await f.token(await f.key({ type: 'organization', id: otherOrg.id })),
    );
    const statuses: number[] = [];
    for (let i = 0; i < 110; i++) statuses.push((await prober.get(`${v.path}/rate-limit`)).status);
    expect(statuses.filter((s) => s === 404).length).toBe(100);
    expect(statuses.filter((s) => s === 429).length).toBe(10);
    const blocked = await prober.get(`/v2/organizations/${otherOrg.id}`);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(blocked.body.errors[0]).toMatchObject({ status: 429, code: 'rate_limited' });
    expect((await v.api.get(`${v.path}/rate-limit`)).status).toBe(200);
  });
});
