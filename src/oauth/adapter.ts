import type { mongo } from 'mongoose';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { adapterModels, collectionName } from './adapter-models.ts';
import { createGroupedInserts, type GroupedInsert } from '../infra/mongo/grouped-inserts.ts';
import { isDatabaseUnavailable, RecordNotStoredError } from '../infra/mongo/unavailable.ts';

/**
 * How one oidc-provider record is stored: `{_id, payload, expiresAt, expiresMinute}`; no `expiresAt`
 * means no expiry. `expiresMinute` (`2026-12-03T19:08`, the minute of `expiresAt`) is what the purge
 * looks records up by: FerretDB's SQLite backend searches an index for a string equal to a value,
 * never for a date range.
 */
export type StoredRecord = { _id: string; payload: AdapterPayload; expiresAt?: Date; expiresMinute?: string };

/** `2026-12-03T19:08:59.123Z` -> `2026-12-03T19:08`. */
export const minuteOf = (date: Date) => date.toISOString().slice(0, 16);

const epochSeconds = () => Math.floor(Date.now() / 1000);

/**
 * oidc-provider's adapter over MongoDB (or FerretDB). Expired records are never returned, whether
 * or not the purge has removed them yet; no TTL index or transaction is relied on.
 *
 * Upserts are inserts first (most store a new record, a token; FerretDB inserts in one step), and
 * the inserts of concurrent requests into one collection are written together, one `insertMany`
 * per turn of the event loop (`grouped-inserts.ts`). `upsert` resolves only once its own record is
 * stored, so oidc-provider answers with a token only after it is in the database; a record that
 * could not be stored fails its request with 503 `temporarily_unavailable`, never a token.
 */
export function createMongoAdapter(db: mongo.Db) {
  const groupedInserts = new Map<string, GroupedInsert<StoredRecord>>();
  const insertInto = (records: mongo.Collection<StoredRecord>) => {
    let insert = groupedInserts.get(records.collectionName);
    if (!insert) {
      insert = createGroupedInserts<StoredRecord>((docs) => records.insertMany(docs, { ordered: false }));
      groupedInserts.set(records.collectionName, insert);
    }
    return insert;
  };

  return class MongoAdapter implements Adapter {
    readonly #records: mongo.Collection<StoredRecord>;
    readonly #insert: GroupedInsert<StoredRecord>;

    constructor(readonly name: string) {
      this.#records = db.collection<StoredRecord>(collectionName(name));
      this.#insert = insertInto(this.#records);
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const record: Omit<StoredRecord, '_id'> = { payload };
      if (expiresIn) {
        record.expiresAt = new Date(Date.now() + expiresIn * 1000);
        record.expiresMinute = minuteOf(record.expiresAt);
      }
      const outcome = await this.#insert({ _id: id, ...record }).catch((error: unknown) => {
        throw isDatabaseUnavailable(error)
          ? error
          : new RecordNotStoredError(`a ${this.name} record was not stored`, { cause: error });
      });
      // a record saved again (a session, a consumed code): replace it
      if (outcome === 'duplicate') await this.#records.replaceOne({ _id: id }, record, { upsert: true });
    }

    find(id: string) {
      return this.#findOne({ _id: id });
    }

    findByUid(uid: string) {
      return this.#findOne({ 'payload.uid': uid });
    }

    findByUserCode(userCode: string) {
      return this.#findOne({ 'payload.userCode': userCode });
    }

    async consume(id: string): Promise<void> {
      await this.#records.updateOne({ _id: id }, { $set: { 'payload.consumed': epochSeconds() } });
    }

    async destroy(id: string): Promise<void> {
      await this.#records.deleteOne({ _id: id });
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await this.#records.deleteMany({ 'payload.grantId': grantId });
    }

    async #findOne(filter: mongo.Filter<StoredRecord>): Promise<AdapterPayload | undefined> {
      const record = await this.#records.findOne(filter);
      if (!record || (record.expiresAt && record.expiresAt.getTime() <= Date.now())) return undefined;
      return record.payload;
    }
  };
}

/** Creates the indexes the adapter queries by: expiry (for the purge) and the looked-up payload fields. */
export async function ensureAdapterIndexes(db: mongo.Db): Promise<void> {
  for (const [model, fields] of Object.entries(adapterModels)) {
    const records = db.collection(collectionName(model));
    await records.createIndex({ expiresAt: 1 }, { name: 'expiresAt' });
    await records.createIndex({ expiresMinute: 1 }, { name: 'expiresMinute' });
    for (const field of fields)
      await records.createIndex({ [`payload.${field}`]: 1 }, { name: `payload.${field}` });
  }
}

/** Deletes expired records of every model; returns how many went. On FerretDB this reads every record. */
export async function purgeExpired(db: mongo.Db, now = new Date()): Promise<number> {
  let deleted = 0;
  for (const model of Object.keys(adapterModels)) {
    const result = await db.collection(collectionName(model)).deleteMany({ expiresAt: { $lte: now } });
    deleted += result.deletedCount;
  }
  return deleted;
}
