import { randomBytes } from 'node:crypto';
import type { mongo } from 'mongoose';
import { collectionName } from '../src/oauth/adapter-models.ts';
import type { StoredRecord } from '../src/oauth/adapter.ts';
import { load, type LoadResult } from './load.ts';
import type { Services } from './services.ts';

const cli = { kind: 'cli' } as const;
const BATCH = 1000;

/**
 * Introspection of stored tokens with 1,000 and with 100,000 live tokens in the database, on one
 * server: the rate should hardly depend on how many tokens are stored (goal: >= 0.8 of the
 * 1,000 rate). The tokens are copies of one minted by /token, with ids of their own, inserted
 * straight into the adapter's collection in its document shape; each request introspects a
 * random one of them. The server runs without its token cache (TOKEN_CACHE_SIZE=0): this measures
 * the database's lookup, which the cache would otherwise hide for the 1,000 tokens and not for the
 * 100,000 (peers.ts measures introspection as resource servers send it, the cache on).
 */
export async function introspectionAtScale(services: Services, options: { seconds: number; large: number }) {
  const url = await services.server({ env: { TOKEN_CACHE_SIZE: '0' } });
  const { organizations, applicationKeys, resourceServers } = services.runtime.domain;
  const org = await organizations.createOrganization(cli, {
    name: `bench-${Date.now()}`,
    rateLimit: 1_000_000,
  });
  const store = await organizations.createStore(cli, org.id, { name: 'store', rateLimit: 1_000_000 });
  const { key, secret } = await applicationKeys.create(
    cli,
    { type: 'store', id: store.id },
    { name: 'k', reservedRateLimit: 0 },
  );
  const rs = await resourceServers.create(cli, 'bench introspection');

  const minted = await fetch(`${url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: key.clientId,
      client_secret: secret ?? '',
    }),
  });
  const token = ((await minted.json()) as { access_token: string }).access_token;
  const db = services.runtime.database.connection.db as mongo.Db;
  const records = db.collection<StoredRecord>(collectionName('ClientCredentials'));
  const template = await records.findOne({ _id: token });
  if (!template) throw new Error('the minted token is not stored where the adapter keeps ClientCredentials');

  const ids: string[] = [];
  async function fillTo(total: number) {
    while (ids.length < total) {
      const batch = Array.from({ length: Math.min(BATCH, total - ids.length) }, () => {
        const id = randomBytes(32).toString('base64url');
        ids.push(id);
        return { ...template!, _id: id, payload: { ...template!.payload, jti: id } };
      });
      await records.insertMany(batch, { ordered: false });
    }
  }

  const authorization = `Basic ${Buffer.from(`${rs.server.clientId}:${rs.secret}`).toString('base64')}`;
  const headers = { authorization, 'content-type': 'application/x-www-form-urlencoded' };
  const randomToken = () => `token=${ids[Math.floor(Math.random() * ids.length)]}`;
  async function measure(seconds = options.seconds): Promise<LoadResult> {
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${url}/token/introspection`, {
        method: 'POST',
        headers,
        body: randomToken(),
      });
      const body = (await response.json()) as { active?: boolean };
      if (!body.active) throw new Error(`a stored token introspected as ${JSON.stringify(body)}`);
    }
    return load({
      url: `${url}/token/introspection`,
      method: 'POST',
      headers,
      body: randomToken,
      concurrency: 16,
      seconds,
    });
  }

  const started = performance.now();
  await fillTo(1000);
  // a warm-up of the same load, discarded: the first window must not pay for the JIT alone
  await measure(Math.min(3, options.seconds));
  const small = await measure();
  await fillTo(options.large);
  const insertSeconds = (performance.now() - started) / 1000;
  const large = await measure();
  return {
    tokens: { small: 1000, large: options.large },
    small,
    large,
    ratio: large.perSecond / small.perSecond,
    insertSeconds,
    goals: { ratio: '>= 0.8' },
  };
}
