import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, fixtures } from '../helpers/fixtures.ts';
import { runCli } from '../helpers/run-cli.ts';
import { signIn, startConsoleSignIn } from '../helpers/sign-in.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let server: TestServer;
const cli = { kind: 'cli' } as const;
const PASSWORD = 'correct horse battery';
let seq = 0;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const newEmail = () => `pw${++seq}-${Date.now()}@example.com`;
async function person() {
  const email = newEmail();
  await server.runtime.domain.users.create(cli, { email, password: PASSWORD });
  const tokens = await signIn(server.config.issuer, email, PASSWORD);
  return { email, api: adminClient(server.url, tokens.access_token) };
}

describe('the CLI never takes a password on the command line', () => {
  it('refuses --password as a usage error pointing to --password-stdin', async () => {
    for (const args of [['--password', 'a long enough password'], ['--password=a long enough password']]) {
      const result = await runCli(['user', 'create', '--email', newEmail(), ...args], server.sharedEnv);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--password is not accepted.*--password-stdin/s);
      expect(result.stderr).not.toContain('a long enough password');
    }
  });

  it('reads it from standard input with --password-stdin, at least 12 characters', async () => {
    const short = await runCli(
      ['user', 'create', '--email', newEmail(), '--password-stdin'],
      server.sharedEnv,
      'elevenchars\n',
    );
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/the password: must be at least 12 characters/);

    const email = newEmail();
    const made = await runCli(
      ['user', 'create', '--email', email, '--password-stdin'],
      server.sharedEnv,
      'twelve chars\n',
    );
    expect(made.code).toBe(0);
    // the trailing newline is not part of the password
    expect((await signIn(server.config.issuer, email, 'twelve chars')).access_token).toBeTruthy();
  });

  it('without --password-stdin and without a terminal, is a usage error', async () => {
    const result = await runCli(['user', 'create', '--email', newEmail()], server.sharedEnv, 'ignored\n');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/give --password-stdin/);
  });

  it('holds the domain (and so every caller) to 12 characters', async () => {
    await expect(
      server.runtime.domain.users.create(cli, { email: newEmail(), password: 'short' }),
    ).rejects.toThrow(/at least 12 characters/);
  });
});

describe('POST /v2/me/password', () => {
  it('changes the password when the current one is given', async () => {
    const { email, api } = await person();
    const changed = await api.post('/v2/me/password', {
      data: { current_password: PASSWORD, new_password: 'a brand new passphrase' },
    });
    expect(changed.status).toBe(204);
    expect(changed.headers.get('cache-control')).toBe('no-store');
    const old = await startConsoleSignIn(server.config.issuer);
    expect((await old.submit(old.page.html, { email, password: PASSWORD })).response.status).toBe(401);
    expect((await signIn(server.config.issuer, email, 'a brand new passphrase')).access_token).toBeTruthy();
  });

  it('refuses a wrong current password (403), a short new one (400) and malformed bodies (400)', async () => {
    const { api } = await person();
    const wrong = await api.post('/v2/me/password', {
      data: { current_password: 'not the password', new_password: 'a brand new passphrase' },
    });
    expect(wrong.status).toBe(403);
    expect(wrong.body.errors[0].detail).toBe('The current password is not correct.');
    const short = await api.post('/v2/me/password', {
      data: { current_password: PASSWORD, new_password: 'too short' },
    });
    expect(short.status).toBe(400);
    expect(short.body.errors[0].detail).toMatch(/at least 12 characters/);
    for (const body of [
      { data: { new_password: 'a brand new passphrase' } },
      { data: { current_password: PASSWORD, new_password: 'a brand new passphrase', admin: true } },
      { current_password: PASSWORD, new_password: 'a brand new passphrase' },
    ])
      expect((await api.post('/v2/me/password', body)).status).toBe(400);
  });

  it('is throttled like sign-in: guessing the current password with a stolen token stops at 5', async () => {
    const { api } = await person();
    for (let i = 0; i < 5; i++)
      expect(
        (
          await api.post('/v2/me/password', {
            data: { current_password: `guess number ${i}`, new_password: 'attacker passphrase' },
          })
        ).status,
      ).toBe(403);
    const blocked = await api.post('/v2/me/password', {
      data: { current_password: PASSWORD, new_password: 'attacker passphrase' },
    });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('is for people only: a key token gets 403', async () => {
    const f = fixtures(server.runtime, server.url);
    const org = await f.organization();
    const api = adminClient(server.url, await f.token(await f.key({ type: 'organization', id: org.id })));
    const response = await api.post('/v2/me/password', {
      data: { current_password: PASSWORD, new_password: 'a brand new passphrase' },
    });
    expect(response.status).toBe(403);
  });
});
