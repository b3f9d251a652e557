import { setTimeout as sleep } from 'node:timers/promises';
import type { AdapterPayload } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mongo } from 'mongoose';
import { createMongoAdapter, ensureAdapterIndexes, purgeExpired } from '../src/oauth/adapter.ts';
import { createPurge } from '../src/oauth/adapter-purge.ts';
import { collectionName } from '../src/oauth/adapter-models.ts';
import { freshDatabase } from './helpers/database.ts';

let database: Awaited<ReturnType<typeof freshDatabase>>;
let db: mongo.Db;
let Adapter: ReturnType<typeof createMongoAdapter>;

beforeAll(async () => {
  database = await freshDatabase('adapter');
  db = database.connection.db as mongo.Db;
  await ensureAdapterIndexes(db);
  Adapter = createMongoAdapter(db);
});
afterAll(() => database?.drop());

const token = (extra: Partial<AdapterPayload> = {}): AdapterPayload => ({
  kind: 'AccessToken',
  jti: 'x',
  ...extra,
});

describe('oidc-provider adapter over the real database', () => {
  it('stores {_id, payload, expiresAt, expiresMinute} and finds the payload by id', async () => {
    const adapter = new Adapter('AccessToken');
    await adapter.upsert('at-1', token({ jti: 'at-1', clientId: 'c1' }), 3600);
    expect(await adapter.find('at-1')).toEqual(token({ jti: 'at-1', clientId: 'c1' }));
    const raw = await db.collection(collectionName('AccessToken')).findOne({ _id: 'at-1' as never });
    expect(Object.keys(raw ?? {}).sort()).toEqual(['_id', 'expiresAt', 'expiresMinute', 'payload']);
    expect(raw?.expiresMinute).toBe((raw?.expiresAt as Date).toISOString().slice(0, 16));
    const remaining = ((raw?.expiresAt as Date).getTime() - Date.now()) / 1000;
    expect(remaining).toBeGreaterThan(3590);
    expect(remaining).toBeLessThanOrEqual(3600);
  });

  it('replaces the payload on a second upsert of the same id', async () => {
    const adapter = new Adapter('AccessToken');
    await adapter.upsert('at-2', token({ scope: 'a' }), 60);
    await adapter.upsert('at-2', token({ scope: 'b' }), 60);
    expect((await adapter.find('at-2'))?.scope).toBe('b');
    expect(await db.collection(collectionName('AccessToken')).countDocuments({ _id: 'at-2' as never })).toBe(
      1,
    );
  });

  it('returns undefined for unknown ids', async () => {
    expect(await new Adapter('AccessToken').find('missing')).toBeUndefined();
  });

  it('keeps models apart', async () => {
    await new Adapter('AccessToken').upsert('shared-id', token(), 60);
    expect(await new Adapter('RefreshToken').find('shared-id')).toBeUndefined();
  });

  it('finds sessions by uid and device codes by user code', async () => {
    await new Adapter('Session').upsert('s-1', { kind: 'Session', uid: 'uid-1', accountId: 'a' }, 60);
    expect((await new Adapter('Session').findByUid('uid-1'))?.accountId).toBe('a');
    expect(await new Adapter('Session').findByUid('uid-2')).toBeUndefined();
    await new Adapter('DeviceCode').upsert('d-1', { kind: 'DeviceCode', userCode: 'ABCD-EFGH' }, 60);
    expect((await new Adapter('DeviceCode').findByUserCode('ABCD-EFGH'))?.kind).toBe('DeviceCode');
  });

  it('marks a record consumed with the epoch time', async () => {
    const adapter = new Adapter('AuthorizationCode');
    await adapter.upsert('code-1', { kind: 'AuthorizationCode', grantId: 'g' }, 60);
    const before = Math.floor(Date.now() / 1000);
    await adapter.consume('code-1');
    const consumed = (await adapter.find('code-1'))?.consumed as number;
    expect(consumed).toBeGreaterThanOrEqual(before);
    expect(consumed).toBeLessThanOrEqual(before + 2);
  });

  it('destroys one record', async () => {
    const adapter = new Adapter('AccessToken');
    await adapter.upsert('at-3', token(), 60);
    await adapter.destroy('at-3');
    expect(await adapter.find('at-3')).toBeUndefined();
  });

  it('revokes every record of a grant and nothing else', async () => {
    const access = new Adapter('AccessToken');
    const refresh = new Adapter('RefreshToken');
    await access.upsert('g1-at', token({ grantId: 'g1' }), 60);
    await access.upsert('g1-at2', token({ grantId: 'g1' }), 60);
    await access.upsert('g2-at', token({ grantId: 'g2' }), 60);
    await refresh.upsert('g1-rt', { kind: 'RefreshToken', grantId: 'g1' }, 60);
    await access.revokeByGrantId('g1');
    expect(await access.find('g1-at')).toBeUndefined();
    expect(await access.find('g1-at2')).toBeUndefined();
    expect(await access.find('g2-at')).toBeDefined();
    // each model revokes its own records; oidc-provider calls revokeByGrantId on every model
    expect(await refresh.find('g1-rt')).toBeDefined();
  });

  it('never returns an expired record, even before the purge runs', async () => {
    const adapter = new Adapter('AccessToken');
    await adapter.upsert('short', token(), 0.2);
    expect(await adapter.find('short')).toBeDefined();
    await sleep(300);
    expect(await adapter.find('short')).toBeUndefined();
    expect(await db.collection(collectionName('AccessToken')).countDocuments({ _id: 'short' as never })).toBe(
      1,
    );
  });

  it('keeps records without expiry forever', async () => {
    const adapter = new Adapter('Client');
    await adapter.upsert('client-1', { client_id: 'client-1' }, 0);
    const raw = await db.collection(collectionName('Client')).findOne({ _id: 'client-1' as never });
    expect(raw).not.toHaveProperty('expiresAt');
    expect(await purgeExpired(db, new Date(Date.now() + 365 * 86_400_000))).toBeGreaterThanOrEqual(0);
    expect(await adapter.find('client-1')).toEqual({ client_id: 'client-1' });
  });

  it('purges expired records and keeps live ones', async () => {
    const adapter = new Adapter('Interaction');
    await adapter.upsert('old', { kind: 'Interaction' }, 0.05);
    await adapter.upsert('live', { kind: 'Interaction' }, 3600);
    await sleep(100);
    expect(await purgeExpired(db)).toBeGreaterThanOrEqual(1);
    const records = db.collection(collectionName('Interaction'));
    expect(await records.countDocuments({ _id: 'old' as never })).toBe(0);
    expect(await records.countDocuments({ _id: 'live' as never })).toBe(1);
  });

  it('purges in full first, then by the minutes that ended since, through the expiresMinute index', async () => {
    const adapter = new Adapter('Interaction');
    const records = db.collection(collectionName('Interaction'));
    const purge = createPurge(db);
    await records.insertOne({ _id: 'legacy' as never, payload: {}, expiresAt: new Date(Date.now() - 1000) });
    expect(await purge()).toBeGreaterThanOrEqual(1); // the first purge reads everything
    expect(await records.countDocuments({ _id: 'legacy' as never })).toBe(0);

    await adapter.upsert('ends-soon', { kind: 'Interaction' }, 0.05);
    await adapter.upsert('ends-later', { kind: 'Interaction' }, 3600);
    await records.insertOne({
      _id: 'no-minute' as never,
      payload: {},
      expiresAt: new Date(Date.now() - 1000),
    });
    expect(await purge(new Date(Date.now() + 2 * 60_000))).toBe(1);
    expect(await records.countDocuments({ _id: 'ends-soon' as never })).toBe(0);
    expect(await records.countDocuments({ _id: 'ends-later' as never })).toBe(1);
    // a sweep reads only the records of its minutes: a record without one waits for a full purge
    expect(await records.countDocuments({ _id: 'no-minute' as never })).toBe(1);
    expect(await purgeExpired(db)).toBeGreaterThanOrEqual(1);
  });

  it('writes concurrent upserts of one model with one insert command, each record stored', async () => {
    // a client of the test's own that reports every command sent, over the same database
    const watcher = new mongo.MongoClient(database.uri, { monitorCommands: true });
    const inserts: number[] = [];
    watcher.on('commandStarted', (event) => {
      if (event.commandName === 'insert' && event.command.insert === collectionName('ClientCredentials'))
        inserts.push((event.command.documents as unknown[]).length);
    });
    try {
      const WatchedAdapter = createMongoAdapter(watcher.db(db.databaseName));
      const adapter = new WatchedAdapter('ClientCredentials');
      const ids = Array.from({ length: 50 }, (_, i) => `grouped-${i}`);
      await Promise.all(
        ids.map((id) => adapter.upsert(id, token({ jti: id, kind: 'ClientCredentials' }), 60)),
      );
      expect(inserts).toEqual([50]);
      const stored = db.collection(collectionName('ClientCredentials'));
      expect(await stored.countDocuments({ _id: { $in: ids as never[] } })).toBe(50);
      for (const id of ids) expect((await adapter.find(id))?.jti).toBe(id);
    } finally {
      await watcher.close();
    }
  });

  it('stores new records and replaces existing ones when both are upserted together', async () => {
    const adapter = new Adapter('Session');
    await adapter.upsert('s-old', { kind: 'Session', accountId: 'before' }, 60);
    // one insertMany: the existing id fails with a duplicate key (FerretDB and MongoDB report it
    // per document), the others go in, and the existing record is then replaced
    await Promise.all([
      adapter.upsert('s-new-1', { kind: 'Session', accountId: 'n1' }, 60),
      adapter.upsert('s-old', { kind: 'Session', accountId: 'after' }, 60),
      adapter.upsert('s-new-2', { kind: 'Session', accountId: 'n2' }, 60),
    ]);
    expect((await adapter.find('s-old'))?.accountId).toBe('after');
    expect((await adapter.find('s-new-1'))?.accountId).toBe('n1');
    expect((await adapter.find('s-new-2'))?.accountId).toBe('n2');
    expect(
      await db
        .collection(collectionName('Session'))
        .countDocuments({ _id: { $in: ['s-old', 's-new-1', 's-new-2'] as never[] } }),
    ).toBe(3);
  });

  it('indexes expiry and every payload field it looks up', async () => {
    const names = async (model: string) =>
      (await db.collection(collectionName(model)).listIndexes().toArray()).map((index) => index.name);
    expect(await names('AccessToken')).toEqual(
      expect.arrayContaining(['expiresAt', 'expiresMinute', 'payload.grantId']),
    );
    expect(await names('Session')).toEqual(expect.arrayContaining(['expiresAt', 'payload.uid']));
    expect(await names('DeviceCode')).toEqual(
      expect.arrayContaining(['payload.grantId', 'payload.userCode']),
    );
  });
});
