import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SCOPES } from '../../src/domain/scopes.ts';
import type { OwnerRef } from '../../src/domain/types.ts';
import { adminClient, fixtures, type KeyFixture } from '../helpers/fixtures.ts';
import { json } from '../helpers/http.ts';
import { expectNoErrorLogs } from '../helpers/no-error-logs.ts';
import { maxExamples, runSchemathesis } from '../helpers/schemathesis.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * Schemathesis against the admin API as `GET /v2/openapi.json` describes it, with every check it
 * has (no 5xx; status codes, content types, headers and bodies as documented; invalid input
 * refused with 4xx; valid input accepted; auth not ignored; deleted resources gone; ...), over
 * every operation, with data that follows the document (positive) and data that breaks it
 * (negative), in all its phases (examples, coverage, fuzzing, stateful). Once with an
 * organization key's token and once with a store key's.
 *
 * Path ids are drawn, most of the time, from the owners, keys and member of the run (a
 * Schemathesis dictionary per parameter), so that requests reach the routes' logic instead of
 * 404; the rest of the time Schemathesis makes them up. The caller's own key is never changed or
 * deleted (schemathesis_hooks.py sends such a request to a stand-in key), so its token lives to
 * the end of the run.
 */
const hooks = fileURLToPath(new URL('schemathesis_hooks.py', import.meta.url));
const cli = { kind: 'cli' } as const;

let server: TestServer;
let f: ReturnType<typeof fixtures>;

beforeAll(async () => {
  server = await startTestServer({}, { refusals: { points: 1_000_000, seconds: 60 } });
  f = fixtures(server.runtime, server.url);
});
afterAll(() => server?.close());
expectNoErrorLogs(() => server.logs);

type Scenario = {
  caller: KeyFixture;
  standIn: KeyFixture;
  organizationIds: string[];
  storeIds: string[];
  keyIds: string[];
  userIds: string[];
  /** A member's and a non-member's email, for adding members. */
  emails: string[];
  kind: OwnerRef['type'];
};

let people = 0;

/** An organization and its store, each with a limit nobody spends, a few keys and a member. */
async function scenario(kind: OwnerRef['type']): Promise<Scenario> {
  const org = await f.organization(1_000_000);
  const store = await f.store(org.id, 1_000_000);
  const owner: OwnerRef = kind === 'organization' ? { type: kind, id: org.id } : { type: kind, id: store.id };
  // the caller's reservation keeps its token served whatever the fuzzer reserves for other keys
  const caller = await f.key(owner, { reservedRateLimit: 100_000 });
  const standIn = await f.key(owner);
  const others = [
    await f.key({ type: 'store', id: store.id }),
    await f.key({ type: 'organization', id: org.id }),
  ];
  const { users, memberships } = server.runtime.domain;
  const email = `fuzz-member-${++people}-${Date.now()}@example.com`;
  const user = await users.create(cli, { email, password: 'correct horse battery staple' });
  const candidate = `fuzz-candidate-${people}-${Date.now()}@example.com`;
  await users.create(cli, { email: candidate, password: 'correct horse battery staple' });
  await memberships.add(cli, { type: 'store', id: store.id }, { email, role: 'store_member' });
  await memberships.add(cli, { type: 'organization', id: org.id }, { email, role: 'org_admin' });
  return {
    caller,
    standIn,
    organizationIds: [org.id],
    storeIds: [store.id],
    keyIds: [caller.id, standIn.id, ...others.map((key) => key.id)],
    userIds: [user.id],
    emails: [email, candidate],
    kind,
  };
}

const tomlList = (values: string[]) => `[${values.map((value) => JSON.stringify(value)).join(', ')}]`;

/** The admin scopes a key of an organization or a store may hold (stores:write: organization keys only). */
const scopesOf = (kind: OwnerRef['type']) =>
  ADMIN_SCOPES.filter((scope) => kind === 'organization' || scope !== 'stores:write');

/**
 * Which ids Schemathesis draws for which path parameter (80% of the time: the run's own), and
 * which scopes valid key bodies name. Which scopes exist is data, not schema (resource servers
 * register theirs; DESIGN.md section 5 answers 400 for unknown ones): the fuzzing and stateful
 * phases draw them from the owner's real scopes and check that such bodies are accepted; in the
 * coverage phase, which makes up boundary strings and ignores dictionaries, a key body may be
 * refused with 400 (an unknown scope) without failing positive_data_acceptance (5xx still fail
 * not_a_server_error, and every other check runs unchanged).
 */
function config(s: Scenario): string {
  return `
[dictionaries.organizations]
values = ${tomlList(s.organizationIds)}
[dictionaries.stores]
values = ${tomlList(s.storeIds)}
[dictionaries.keys]
values = ${tomlList(s.keyIds)}
[dictionaries.users]
values = ${tomlList(s.userIds)}
[dictionaries.emails]
values = ${tomlList(s.emails)}
[dictionaries.organization_scopes]
values = ${tomlList(scopesOf('organization'))}
[dictionaries.store_scopes]
values = ${tomlList(scopesOf('store'))}

[parameters]
"path.orgId" = { dictionary = "organizations", probability = 0.8 }
"path.storeId" = { dictionary = "stores", probability = 0.8 }
"path.keyId" = { dictionary = "keys", probability = 0.8 }
"path.userId" = { dictionary = "users", probability = 0.8 }
"body.data.email" = { dictionary = "emails", probability = 0.8 }
"body.data.scopes[*]" = { dictionary = "${s.kind}_scopes", probability = 1.0 }

[[operations]]
include-path-regex = "^/v2/organizations/"
parameters = { "path.ownerId" = { dictionary = "organizations", probability = 0.8 }, "body.data.scopes[*]" = { dictionary = "organization_scopes", probability = 1.0 } }

[[operations]]
include-path-regex = "^/v2/stores/"
parameters = { "path.ownerId" = { dictionary = "stores", probability = 0.8 }, "body.data.scopes[*]" = { dictionary = "store_scopes", probability = 1.0 } }

[[operations]]
include-path-regex = "/application-keys(/[^/]+)?$"
phases.coverage.checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
`;
}

async function fuzz(kind: OwnerRef['type']) {
  const s = await scenario(kind);
  const token = await f.token(s.caller);
  const run = await runSchemathesis(
    `${server.url}/v2/openapi.json`,
    [
      '--checks',
      'all',
      '--mode',
      'all',
      ...maxExamples(10),
      // one worker: see oauth-endpoints.test.ts
      '--workers',
      '1',
      '--header',
      `Authorization: Bearer ${token}`,
    ],
    {
      config: config(s),
      env: {
        SCHEMATHESIS_HOOKS: hooks,
        APPKEYS_CALLER_KEY_ID: s.caller.id,
        APPKEYS_STAND_IN_KEY_ID: s.standIn.id,
      },
    },
  );
  return { run, caller: s.caller };
}

describe('Schemathesis on the admin API (GET /v2/openapi.json), all checks', () => {
  for (const kind of ['organization', 'store'] as const)
    it(`finds no failure with a ${kind} key's token`, { timeout: 600_000 }, async () => {
      const { run, caller } = await fuzz(kind);
      expect(run.exitCode, run.output).toBe(0);
      // the run's token was alive to the end: its key was protected from the fuzzer
      expect(await server.runtime.repos.applicationKeys.findById(caller.id), run.output).toBeTruthy();
    });
});

describe('what Schemathesis found, pinned', () => {
  it("documents and validates a member's role per owner type", async () => {
    const document = await json(fetch(`${server.url}/v2/openapi.json`));
    const roleOf = (path: string) =>
      document.paths[path].post.requestBody.content['application/json'].schema.properties.data.properties.role
        .enum;
    expect(roleOf('/v2/organizations/{ownerId}/members')).toEqual(['org_admin']);
    expect(roleOf('/v2/stores/{ownerId}/members')).toEqual(['store_owner', 'store_admin', 'store_member']);

    const org = await f.organization();
    const store = await f.store(org.id);
    const api = adminClient(server.url, await f.token(await f.key({ type: 'organization', id: org.id })));
    for (const [path, role] of [
      [`/v2/organizations/${org.id}/members`, 'store_member'],
      [`/v2/stores/${store.id}/members`, 'org_admin'],
    ]) {
      const refused = await api.post(path!, { data: { email: 'nobody@example.com', role } });
      expect(refused.status).toBe(400);
      expect(refused.body.errors[0].detail).toContain('data.role');
    }
  });

  it('answers a PATCH of an organization or store with the whole resource, whatever fields were sent', async () => {
    const org = await f.organization(321);
    const store = await f.store(org.id, 123);
    const api = adminClient(server.url, await f.token(await f.key({ type: 'organization', id: org.id })));
    for (const body of [{}, { name: 'renamed' }]) {
      const orgAnswer = await api.patch(`/v2/organizations/${org.id}`, { data: body });
      expect(orgAnswer.status).toBe(200);
      expect(orgAnswer.body.data).toMatchObject({ name: body.name ?? org.name, rate_limit: 321 });
      const storeAnswer = await api.patch(`/v2/stores/${store.id}`, { data: body });
      expect(storeAnswer.status).toBe(200);
      expect(storeAnswer.body.data).toMatchObject({
        name: body.name ?? store.name,
        rate_limit: 123,
        require_2fa_for_key_managers: false,
      });
    }
  });
});
