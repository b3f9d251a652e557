import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totpAt } from '../../src/domain/totp.ts';
import { adminClient, fixtures } from '../helpers/fixtures.ts';
import { isConsentPage, signIn, startConsoleSignIn } from '../helpers/sign-in.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

type Api = ReturnType<typeof adminClient>;
const cli = { kind: 'cli' } as const;
const PASSWORD = 'correct horse battery';

let server: TestServer;
let f: ReturnType<typeof fixtures>;
let seq = 0;

beforeAll(async () => {
  server = await startTestServer();
  f = fixtures(server.runtime, server.url);
});
afterAll(() => server?.close());

const nowStep = () => Math.floor(Date.now() / 30_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Codes of one secret, each of a later time step than the last: a person's steps are accepted
 * once, whatever the secret, so authenticators of one person share `used`.
 */
function authenticator(secretBase32: string, used = { last: 0 }) {
  const secret = base32Decode(secretBase32);
  const next = async () => {
    while (Math.max(nowStep(), used.last + 1) > nowStep() + 1) await sleep(1000);
    used.last = Math.max(nowStep(), used.last + 1);
    return totpAt(secret, used.last);
  };
  return Object.assign(next, { used });
}

async function person(options: { operator?: boolean } = {}) {
  const email = `2fa${++seq}-${Date.now()}@example.com`;
  const user = await server.runtime.domain.users.create(cli, { email, password: PASSWORD, ...options });
  return { id: user.id, email };
}
const passwordOnly = async (email: string): Promise<Api> =>
  adminClient(server.url, (await signIn(server.config.issuer, email, PASSWORD)).access_token);

/**
 * Enrols a second factor with a fresh password-only sign-in; returns its authenticator and the
 * token of that sign-in (password only, still valid after enrolment).
 */
async function enrol(email: string) {
  const api = await passwordOnly(email);
  const started = await api.post('/v2/me/totp');
  expect(started.status).toBe(201);
  const next = authenticator(started.body.data.secret);
  expect((await api.post('/v2/me/totp/verify', { data: { otp: await next() } })).status).toBe(200);
  return { next, api };
}
async function withSecondFactor(email: string, { next }: { next: () => Promise<string> }): Promise<Api> {
  const code = await next();
  return adminClient(
    server.url,
    (await signIn(server.config.issuer, email, PASSWORD, () => code)).access_token,
  );
}

async function world() {
  const org = await f.organization(10_000);
  const store = await f.store(org.id, 10_000);
  const storeRef = { type: 'store', id: store.id } as const;
  const people = {
    operator: await person({ operator: true }),
    orgAdmin: await person(),
    owner: await person(),
    admin: await person(),
    member: await person(),
  };
  const { memberships } = server.runtime.domain;
  await memberships.add(
    cli,
    { type: 'organization', id: org.id },
    { email: people.orgAdmin.email, role: 'org_admin' },
  );
  await memberships.add(cli, storeRef, { email: people.owner.email, role: 'store_owner' });
  await memberships.add(cli, storeRef, { email: people.admin.email, role: 'store_admin' });
  await memberships.add(cli, storeRef, { email: people.member.email, role: 'store_member' });
  await memberships.setPermissions(cli, storeRef, people.member.id, true);
  const keys = {
    orgKey: adminClient(server.url, await f.token(await f.key({ type: 'organization', id: org.id }))),
    storeKey: adminClient(server.url, await f.token(await f.key(storeRef))),
  };
  return { store, people, keys, storePath: `/v2/stores/${store.id}` };
}
const policy = (on: boolean) => ({ data: { require_2fa_for_key_managers: on } });

describe('require_2fa_for_key_managers: who may change it', () => {
  it('only a store owner or an operator; admins, members and keys get 403', async () => {
    const { people, keys, storePath } = await world();
    const refused = {
      orgAdmin: await passwordOnly(people.orgAdmin.email),
      admin: await passwordOnly(people.admin.email),
      member: await passwordOnly(people.member.email),
      ...keys,
    };
    for (const [name, api] of Object.entries(refused)) {
      const response = await api.patch(storePath, policy(true));
      expect([name, response.status]).toEqual([name, 403]);
    }
    // a store admin may still rename the store: only the flag is reserved to owners
    expect((await refused.admin.patch(storePath, { data: { name: 'renamed' } })).status).toBe(200);
    expect((await (await passwordOnly(people.owner.email)).patch(storePath, policy(true))).status).toBe(200);
    const stored = await server.db
      .collection('stores')
      .findOne({ _id: (await refused.admin.get(storePath)).body.data.id });
    expect(stored?.require_2fa_for_key_managers).toBe(true);
  });

  it('turning it off needs a sign-in with the second factor, for owners and operators alike', async () => {
    const { people, storePath } = await world();
    const owner = await passwordOnly(people.owner.email);
    expect((await owner.patch(storePath, policy(true))).status).toBe(200);
    const refused = await owner.patch(storePath, policy(false));
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0].detail).toMatch(/needs a sign-in with your second factor/);
    const operator = await passwordOnly(people.operator.email);
    expect((await operator.patch(storePath, policy(false))).status).toBe(403);
    // setting it to what it already is changes nothing and needs nothing
    expect((await owner.patch(storePath, policy(true))).status).toBe(200);

    const ownerWithOtp = await withSecondFactor(people.owner.email, await enrol(people.owner.email));
    const off = await ownerWithOtp.patch(storePath, policy(false));
    expect(off.status).toBe(200);
    expect(off.body.data.require_2fa_for_key_managers).toBe(false);
  });
});

describe('require_2fa_for_key_managers: what it checks', () => {
  it('is how the person signed in this time, not whether a factor is enrolled', async () => {
    const { people, storePath } = await world();
    const keys = `${storePath}/application-keys`;
    expect((await (await passwordOnly(people.owner.email)).patch(storePath, policy(true))).status).toBe(200);
    const enrolled = await enrol(people.member.email);
    // the factor is enrolled, but this token's sign-in used the password alone
    const stale = enrolled.api;
    expect((await stale.get('/v2/me')).body.data.totp_enrolled).toBe(true);
    const refused = await stale.post(keys, { data: { name: 'password only' } });
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0].detail).toMatch(/requires a second factor/);
    expect((await stale.get(keys)).status).toBe(403);
    const bound = await withSecondFactor(people.member.email, enrolled);
    expect((await bound.post(keys, { data: { name: 'with otp' } })).status).toBe(201);
  });
});

describe('a session from before enrolment', () => {
  it('is asked for a code before it gets another token', async () => {
    const { email } = await person();
    const flow = await startConsoleSignIn(server.config.issuer);
    const consent = await flow.submit(flow.page.html, { email, password: PASSWORD });
    const done = await flow.submit(consent.html, { decision: 'allow' });
    const api = adminClient(server.url, (await flow.complete(done.url)).access_token);
    const started = await api.post('/v2/me/totp');
    const next = authenticator(started.body.data.secret);
    expect((await api.post('/v2/me/totp/verify', { data: { otp: await next() } })).status).toBe(200);

    // the same browser (its password-only session) starts another sign-in
    const again = await startConsoleSignIn(server.config.issuer, undefined, flow.browser);
    expect(again.page.html).toContain('name="otp"');
    const wrong = await again.submit(again.page.html, { otp: '000000' });
    expect(wrong.response.status).toBe(401);
    const consented = await again.submit(wrong.html, { otp: await next() });
    expect(isConsentPage(consented.html)).toBe(true);
    const bound = adminClient(
      server.url,
      (await again.complete((await again.submit(consented.html, { decision: 'allow' })).url)).access_token,
    );
    // replacing the factor needs a sign-in with it: this token has one
    expect((await bound.post('/v2/me/totp')).status).toBe(201);
    expect((await api.post('/v2/me/totp')).status).toBe(403);
  });
});

describe('a TOTP code is accepted once', () => {
  it('at sign-in: of concurrent submissions of one code, exactly one gets through', async () => {
    const { email } = await person();
    const { next } = await enrol(email);
    const flows = await Promise.all([0, 1, 2, 3].map(() => startConsoleSignIn(server.config.issuer)));
    const otpPages = await Promise.all(
      flows.map((flow) => flow.submit(flow.page.html, { email, password: PASSWORD })),
    );
    for (const page of otpPages) expect(page.html).toContain('name="otp"');
    const code = await next();
    const results = await Promise.all(flows.map((flow, i) => flow.submit(otpPages[i]!.html, { otp: code })));
    const passed = results.filter((r) => isConsentPage(r.html));
    expect(passed).toHaveLength(1);
    expect(results.filter((r) => r.response.status === 401)).toHaveLength(3);
  });

  it('at enrolment: of concurrent confirmations with one code, exactly one succeeds', async () => {
    const { email } = await person();
    const api = await passwordOnly(email);
    const started = await api.post('/v2/me/totp');
    const code = await authenticator(started.body.data.secret)();
    const results = await Promise.all(
      [0, 1, 2, 3].map(() => api.post('/v2/me/totp/verify', { data: { otp: code } })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    // the others find the code used (400) or, when the winner already confirmed, nothing pending (409)
    expect(statuses.filter((s) => s === 400 || s === 409)).toHaveLength(3);
  });
});

describe('enrolling or replacing a factor needs a recent sign-in', () => {
  it('refuses a token from a session signed in more than 5 minutes ago', async () => {
    const { id, email } = await person();
    const flow = await startConsoleSignIn(server.config.issuer);
    const consent = await flow.submit(flow.page.html, { email, password: PASSWORD });
    const fresh = adminClient(
      server.url,
      (await flow.complete((await flow.submit(consent.html, { decision: 'allow' })).url)).access_token,
    );
    // the session's sign-in happened six minutes ago; a new token from it carries that time
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 360;
    const updated = await server.db
      .collection('oidc_session')
      .updateMany({ 'payload.accountId': id }, { $set: { 'payload.loginTs': sixMinutesAgo } });
    expect(updated.modifiedCount).toBe(1);
    const again = await startConsoleSignIn(server.config.issuer, undefined, flow.browser);
    expect(isConsentPage(again.page.html)).toBe(true); // no password asked: the session is reused
    const old = adminClient(
      server.url,
      (await again.complete((await again.submit(again.page.html, { decision: 'allow' })).url)).access_token,
    );
    expect((await old.get('/v2/me')).status).toBe(200);
    const refused = await old.post('/v2/me/totp');
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0].detail).toMatch(/sign-in within the last 5 minutes/);

    const started = await fresh.post('/v2/me/totp');
    expect(started.status).toBe(201);
    const code = await authenticator(started.body.data.secret)();
    expect((await old.post('/v2/me/totp/verify', { data: { otp: code } })).status).toBe(403);
    expect((await fresh.post('/v2/me/totp/verify', { data: { otp: code } })).status).toBe(200);
  });

  it('replaces an enrolled factor only from a sign-in with it', async () => {
    const { email } = await person();
    const enrolled = await enrol(email);
    // a password-only token (from before enrolment) may not replace the factor
    const refused = await enrolled.api.post('/v2/me/totp');
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0].detail).toMatch(/needs a sign-in with it/);
    const viaFactor = await withSecondFactor(email, enrolled);
    const started = await viaFactor.post('/v2/me/totp');
    expect(started.status).toBe(201);
    const replacement = authenticator(started.body.data.secret, enrolled.next.used);
    const confirmed = await viaFactor.post('/v2/me/totp/verify', { data: { otp: await replacement() } });
    expect(confirmed.status).toBe(200);
  }, 90_000);
});
