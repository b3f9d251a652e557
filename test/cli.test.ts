import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/infra/free-port.ts';
import { spawnServer } from './helpers/spawn-server.ts';
import { json } from './helpers/http.ts';
import { runCli } from './helpers/run-cli.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const cli = (...args: string[]) => runCli(args, server.sharedEnv);
const data = (stdout: string) => JSON.parse(stdout).data;

describe('the appkeys CLI', () => {
  it('creates an organization, a store and keys, printing each as {"data": ...}', async () => {
    const org = await cli('org', 'create', '--name', 'Acme', '--rate-limit', '100');
    expect(org.code).toBe(0);
    expect(data(org.stdout)).toMatchObject({ type: 'organization', name: 'Acme', rate_limit: 100 });
    const orgId = data(org.stdout).id as string;

    const store = await cli('store', 'create', '--org', orgId, '--name', 'Acme EU', '--rate-limit', '50');
    expect(store.code).toBe(0);
    expect(data(store.stdout)).toMatchObject({ type: 'store', organization_id: orgId, rate_limit: 50 });

    const key = await cli(
      'key',
      'create',
      '--store',
      data(store.stdout).id,
      '--name',
      'importer',
      '--reserved-rate-limit',
      '50',
    );
    expect(key.code).toBe(0);
    const parsed = JSON.parse(key.stdout);
    expect(parsed.data).toMatchObject({ type: 'application_key', name: 'importer', reserved_rate_limit: 50 });
    expect(parsed.data.client_secret).toMatch(/^appkeys_sk_/);
    expect(parsed.meta.warnings).toHaveLength(1);

    // the key works against the running server at once
    const token = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: parsed.data.client_id,
        client_secret: parsed.data.client_secret,
      }),
    });
    expect(token.status).toBe(200);
    expect(await json(token)).toMatchObject({ identifier: 'client_credentials' });
  });

  it('prints a rule violation as {"errors": [...]} on stderr and exits 1', async () => {
    const org = data((await cli('org', 'create', '--name', 'Small', '--rate-limit', '10')).stdout);
    const refused = await cli(
      'key',
      'create',
      '--org',
      org.id,
      '--name',
      'greedy',
      '--reserved-rate-limit',
      '11',
    );
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(JSON.parse(refused.stderr).errors[0]).toMatchObject({ status: 409, title: 'Conflict' });
    const missing = await cli('store', 'create', '--org', 'no-such-org', '--name', 'x', '--rate-limit', '1');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stderr).errors[0].status).toBe(404);
  });

  it.each([
    [['org', 'create', '--name', 'x']],
    [['org', 'create', '--name', 'x', '--rate-limit', 'fast']],
    [['org', 'create', '--name', 'x', '--rate-limit', '0']],
    [['key', 'create', '--name', 'x']],
    [['key', 'create', '--org', 'a', '--store', 'b', '--name', 'x']],
    [['key', 'create', '--org', 'a', '--name', 'x', '--reserved-rate-limit', '-1']],
    [['org', 'create', '--name', 'x', '--rate-limit', '1', '--colour', 'red']],
    [['org', 'delete']],
  ])('exits 2 with usage for %j', async (args) => {
    const result = await cli(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Usage: appkeys/);
    expect(result.stdout).toBe('');
  });

  it('creates resource servers whose credentials introspect any token', async () => {
    const created = await cli('resource-server', 'create', '--name', 'orders api');
    expect(created.code).toBe(0);
    const rs = data(created.stdout);
    expect(rs).toMatchObject({ type: 'resource_server', name: 'orders api' });
    const response = await fetch(`${server.url}/token/introspection`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${rs.client_id}:${rs.client_secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'token=unknown',
    });
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ active: false });
  });
});

describe('the CLI on the embedded database', () => {
  it('works with no server running, and a server started later sees its data', async () => {
    const env = {
      DATA_DIR: await mkdtemp(path.join(os.tmpdir(), 'appkeys-cli-data-')),
      KEYS_DIR: await mkdtemp(path.join(os.tmpdir(), 'appkeys-cli-keys-')),
    };
    const org = await runCli(['org', 'create', '--name', 'Offline', '--rate-limit', '10'], env);
    expect(org.code).toBe(0);
    const key = JSON.parse(
      (await runCli(['key', 'create', '--org', data(org.stdout).id, '--name', 'k'], env)).stdout,
    ).data;

    const port = await freePort();
    const started = spawnServer({ ...env, PORT: String(port) });
    await started.ready;
    try {
      const token = await fetch(`http://127.0.0.1:${port}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: key.client_id,
          client_secret: key.client_secret,
        }),
      });
      expect(token.status).toBe(200);
      // and beside the running server, the CLI shares its FerretDB
      expect(
        (
          await runCli(
            ['store', 'create', '--org', data(org.stdout).id, '--name', 's', '--rate-limit', '5'],
            env,
          )
        ).code,
      ).toBe(0);
    } finally {
      expect(await started.stop()).toBe(0);
    }
  });
});

describe('the CLI for people', () => {
  it('creates users (operators too) and adds members, refusing duplicates and unknown emails', async () => {
    const email = `cli-${Date.now()}@example.com`;
    const user = await runCli(
      ['user', 'create', '--email', email, '--password-stdin', '--operator'],
      server.sharedEnv,
      'long enough password\n',
    );
    expect(user.code).toBe(0);
    expect(data(user.stdout)).toMatchObject({ type: 'user', email, operator: true });
    expect(user.stdout).not.toContain('long enough password');
    const again = await runCli(
      ['user', 'create', '--email', email.toUpperCase(), '--password-stdin'],
      server.sharedEnv,
      'long enough password',
    );
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr).errors[0].status).toBe(409);

    const org = data((await cli('org', 'create', '--name', 'People Inc', '--rate-limit', '10')).stdout);
    const added = await cli('member', 'add', '--org', org.id, '--email', email, '--role', 'org_admin');
    expect(added.code).toBe(0);
    expect(data(added.stdout)).toMatchObject({
      type: 'membership',
      user_id: data(user.stdout).id,
      email,
      role: 'org_admin',
      owner: { type: 'organization', id: org.id },
      permissions: { manage_application_keys: false },
    });
    const wrongRole = await cli('member', 'add', '--org', org.id, '--email', email, '--role', 'store_owner');
    expect(wrongRole.code).toBe(1);
    const nobody = await cli(
      'member',
      'add',
      '--org',
      org.id,
      '--email',
      'nobody@example.com',
      '--role',
      'org_admin',
    );
    expect(nobody.code).toBe(1);
    expect(JSON.parse(nobody.stderr).errors[0].status).toBe(404);
    expect(
      (
        await runCli(
          ['user', 'create', '--email', 'not-an-email', '--password-stdin'],
          server.sharedEnv,
          'long enough password',
        )
      ).code,
    ).toBe(2);
    // six CLI processes: each starts tsx and opens the database, slow on a busy machine
  }, 90_000);
});
