import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionName } from '../../src/oauth/adapter-models.ts';
import { fixtures } from '../helpers/fixtures.ts';
import { json } from '../helpers/http.ts';
import { databaseBehindProxy, type OutageProxy } from '../helpers/outage-proxy.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * A token is answered only once it is stored. Here the database answers everything but the
 * inserts of tokens: a proxy in front of it swallows every `insert` command into the token
 * collection (and answers nothing more on that connection), as a database that dies between the
 * client lookup and the write would. Every token request then answers 503
 * `temporarily_unavailable` with Retry-After, none carries a token, and nothing was stored.
 */
const TOKENS = collectionName('ClientCredentials');

/** The bytes that open an `insert` command into `collection` (BSON: a string element `insert`). */
function insertCommandInto(collection: string): Buffer {
  const name = Buffer.from(`${collection}\0`);
  const length = Buffer.alloc(4);
  length.writeInt32LE(name.length);
  return Buffer.concat([Buffer.from([0x02]), Buffer.from('insert\0'), length, name]);
}

let proxy: OutageProxy;
let server: TestServer;

beforeAll(async () => {
  const behind = await databaseBehindProxy('token_store');
  proxy = behind.proxy;
  server = await startTestServer({ MONGODB_URI: behind.uri, LOG_LEVEL: 'warn' });
});
afterAll(async () => {
  proxy?.swallowWhen(undefined);
  await server?.close();
  await proxy?.close();
});

describe('tokens whose grouped insert fails', () => {
  it('answer 503 temporarily_unavailable, never a token, and nothing is stored', async () => {
    const f = fixtures(server.runtime, server.url);
    const org = await f.organization(1000);
    const key = await f.key({ type: 'organization', id: org.id });
    await f.token(key); // the key works, and its client is known to the server
    const stored = () => server.db.collection(TOKENS).countDocuments({ 'payload.clientId': key.clientId });
    expect(await stored()).toBe(1);

    const needle = insertCommandInto(TOKENS);
    proxy.swallowWhen((chunk) => chunk.includes(needle));
    let answers: Array<{ status: number; retryAfter: string | null; body: Record<string, unknown> }>;
    try {
      answers = await Promise.all(
        Array.from({ length: 8 }, async () => {
          const response = await fetch(`${server.url}/token`, {
            method: 'POST',
            headers: {
              authorization: `Basic ${Buffer.from(`${key.clientId}:${key.secret}`).toString('base64')}`,
              'content-type': 'application/x-www-form-urlencoded',
            },
            body: 'grant_type=client_credentials',
          });
          return {
            status: response.status,
            retryAfter: response.headers.get('retry-after'),
            body: (await json(response)) as Record<string, unknown>,
          };
        }),
      );
    } finally {
      proxy.swallowWhen(undefined);
    }
    for (const answer of answers) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(503);
      expect(answer.retryAfter).toMatch(/^[1-9]\d*$/);
      expect(answer.body).toMatchObject({ error: 'temporarily_unavailable' });
      expect(answer.body).not.toHaveProperty('access_token');
    }
    expect(await stored()).toBe(1);
    // and tokens are stored again once inserts go through
    const token = await f.token(key);
    expect(await server.db.collection(TOKENS).countDocuments({ _id: token as never })).toBe(1);
  }, 60_000);
});
