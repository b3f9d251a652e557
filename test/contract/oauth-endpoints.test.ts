import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures, type KeyFixture } from '../helpers/fixtures.ts';
import { expectNoErrorLogs } from '../helpers/no-error-logs.ts';
import { maxExamples, runSchemathesis } from '../helpers/schemathesis.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * Schemathesis against oidc-provider's form endpoints (/token, introspection, revocation), from a
 * small test-only description of them (oauth-endpoints.openapi.json): whatever form, credentials
 * and headers it makes up, the server never answers 5xx and logs no error. Run once without
 * credentials (client_id and client_secret come from the form it generates) and once as a real key
 * (HTTP Basic), so that generated bodies get past client authentication to the grants.
 */
const document = fileURLToPath(new URL('oauth-endpoints.openapi.json', import.meta.url));

let server: TestServer;
let key: KeyFixture;

beforeAll(async () => {
  server = await startTestServer({}, { refusals: { points: 1_000_000, seconds: 60 } });
  const f = fixtures(server.runtime, server.url);
  // minting is charged to the key: a limit the fuzzer cannot spend
  const org = await f.organization(1_000_000);
  key = await f.key({ type: 'organization', id: org.id });
});
afterAll(() => server?.close());
expectNoErrorLogs(() => server.logs);

const fuzz = (extra: string[]) =>
  runSchemathesis(document, [
    '--url',
    server.url,
    '--checks',
    'not_a_server_error',
    ...maxExamples(40),
    // one worker: Hypothesis on Python 3.11 before 3.11.8 can fail with "AST constructor recursion
    // depth mismatch" when several threads generate at once (CPython gh-106905)
    '--workers',
    '1',
    ...extra,
  ]);

describe('Schemathesis on the OAuth form endpoints', () => {
  it('finds no 5xx without credentials', { timeout: 300_000 }, async () => {
    const run = await fuzz([]);
    expect(run.exitCode, run.output).toBe(0);
  });

  it('finds no 5xx with a key authenticated by HTTP Basic', { timeout: 300_000 }, async () => {
    const run = await fuzz(['--auth', `${key.clientId}:${key.secret}`]);
    expect(run.exitCode, run.output).toBe(0);
  });
});
