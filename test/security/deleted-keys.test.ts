import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, fixtures, ownerPath, type KeyFixture } from '../helpers/fixtures.ts';
import { basic, form, rawRequest } from '../helpers/raw-request.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * A deleted key's tokens are dead everywhere (DESIGN.md section 6), including tokens minted while
 * the key was being deleted: deletion revokes the tokens it finds, but a token whose minting
 * passed client authentication before the delete can be stored after that revocation. So
 * introspection and the admin API both check that the token's key still exists.
 */
let server: TestServer;
let f: ReturnType<typeof fixtures>;
let resourceServer: { clientId: string; secret: string };

beforeAll(async () => {
  // every dead token is tried on /v2, more than the refusal throttle's 100 a minute per address
  server = await startTestServer({}, { refusals: { points: 1_000_000, seconds: 60 } });
  f = fixtures(server.runtime, server.url);
  const { server: rs, secret } = await server.runtime.domain.resourceServers.create(
    { kind: 'cli' },
    'orders-api',
  );
  resourceServer = { clientId: rs.clientId, secret };
});
afterAll(() => server?.close());

const mint = async (key: KeyFixture, grant: 'client_credentials' | 'implicit') => {
  const { body, ...headers } =
    grant === 'implicit'
      ? form({ grant_type: 'implicit', client_id: key.clientId })
      : form({ grant_type: 'client_credentials' });
  const response = await rawRequest(server.url, '/token', {
    method: 'POST',
    headers: {
      ...headers,
      ...(grant === 'client_credentials' && { authorization: basic(key.clientId, key.secret) }),
    },
    body,
  });
  return response.status === 200 ? (response.body.access_token as string) : undefined;
};

const introspect = async (caller: { clientId: string; secret: string }, token: string) => {
  const { body, ...headers } = form({ token });
  const response = await rawRequest(server.url, '/token/introspection', {
    method: 'POST',
    headers: { ...headers, authorization: basic(caller.clientId, caller.secret) },
    body,
  });
  expect(response.status).toBe(200);
  return response.body as { active: boolean };
};

describe('deleting a key while it mints tokens', () => {
  it('leaves none of its tokens active on introspection or usable on /v2, whenever they were minted', async () => {
    const org = await f.organization(100_000);
    const admin = await f.key({ type: 'organization', id: org.id });
    const adminApi = adminClient(server.url, await f.token(admin));
    let deletedAt = 0;
    let tokensAfterDelete = 0;
    for (let round = 0; round < 4; round++) {
      const victim = await f.key(
        { type: 'organization', id: org.id },
        { allowedOrigins: ['https://shop.example'] },
      );
      const minted: Array<Promise<string | undefined>> = [];
      let stop = false;
      // minting runs in waves across the deletion, so some requests straddle it
      const minter = (async () => {
        while (!stop) {
          for (let i = 0; i < 3; i++)
            minted.push(mint(victim, 'client_credentials'), mint(victim, 'implicit'));
          await sleep(2);
        }
      })();
      await sleep(60);
      // half the rounds delete through the admin API, half as the CLI does (a narrower, faster delete)
      if (round % 2 === 0) {
        const deleted = await adminApi.delete(`${ownerPath(victim.owner)}/application-keys/${victim.id}`);
        expect(deleted.status).toBe(204);
      } else {
        await server.runtime.domain.applicationKeys.remove({ kind: 'cli' }, victim.owner, victim.id);
      }
      deletedAt = Date.now();
      await sleep(60);
      stop = true;
      await minter;
      const tokens = (await Promise.all(minted)).filter((t): t is string => t !== undefined);
      expect(tokens.length).toBeGreaterThan(0);
      tokensAfterDelete += tokens.length;
      for (const token of tokens) {
        expect(await introspect(resourceServer, token)).toEqual({ active: false });
        expect(await introspect(admin, token)).toEqual({ active: false });
        const response = await adminClient(server.url, token).get(ownerPath(victim.owner));
        expect(response.status).toBe(401);
      }
    }
    expect(deletedAt).toBeGreaterThan(0);
    expect(tokensAfterDelete).toBeGreaterThan(0);
  });

  it("a token stored after the deletion's revocation ran is inactive (the window, made wide)", async () => {
    const org = await f.organization(100_000);
    const victim = await f.key({ type: 'organization', id: org.id });
    const token = await f.token(victim);
    // the key disappears without its tokens being revoked: what a mint that lost the race leaves
    await server.runtime.repos.applicationKeys.remove(victim.id);
    expect(await server.runtime.repos.applicationKeys.findById(victim.id)).toBeUndefined();
    expect(await introspect(resourceServer, token)).toEqual({ active: false });
    const response = await adminClient(server.url, token).get(ownerPath(victim.owner));
    expect(response.status).toBe(401);
  });
});
