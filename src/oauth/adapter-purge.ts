import type { mongo } from 'mongoose';
import type { Logger } from '../infra/logger.ts';
import { adapterModels, collectionName } from './adapter-models.ts';
import { minuteOf, purgeExpired } from './adapter.ts';

const MINUTE_MS = 60_000;
/** Minutes swept again each time: a record written by an instance whose clock is behind is still found. */
const OVERLAP_MINUTES = 5;
/** Past this many minutes since the last sweep, one full purge is cheaper than a lookup per minute. */
const MAX_MINUTES = 24 * 60;

/** Deletes the records of every model whose expiry fell in one of `minutes`; returns how many went. */
export async function purgeMinutes(db: mongo.Db, minutes: string[]): Promise<number> {
  let deleted = 0;
  for (const model of Object.keys(adapterModels))
    for (const minute of minutes)
      deleted += (await db.collection(collectionName(model)).deleteMany({ expiresMinute: minute }))
        .deletedCount;
  return deleted;
}

/**
 * The purge: a full one first (records of any age, and records written before `expiresMinute`
 * existed), then, each time, the minutes that ended since, each looked up by the index on
 * `expiresMinute` instead of reading every record (which FerretDB does for a date range). A record
 * of the current minute waits for the next sweep; expired records are never returned meanwhile.
 */
export function createPurge(db: mongo.Db) {
  let sweptUntil: number | undefined; // start of the first minute not swept yet, in ms
  return async function purge(now = new Date()): Promise<number> {
    const currentMinute = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
    if (sweptUntil === undefined || (currentMinute - sweptUntil) / MINUTE_MS > MAX_MINUTES) {
      const deleted = await purgeExpired(db, now);
      sweptUntil = currentMinute;
      return deleted;
    }
    const minutes: string[] = [];
    for (let start = sweptUntil - OVERLAP_MINUTES * MINUTE_MS; start < currentMinute; start += MINUTE_MS)
      minutes.push(minuteOf(new Date(start)));
    const deleted = await purgeMinutes(db, minutes);
    sweptUntil = currentMinute;
    return deleted;
  };
}

/** Deletes expired oidc-provider records every `intervalMs`; returns a function that stops it. */
export function schedulePurge(db: mongo.Db, intervalMs: number, logger: Logger): () => Promise<void> {
  const purge = createPurge(db);
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = purge()
      .then((deleted) => {
        if (deleted) logger.debug({ deleted }, 'purged expired oauth records');
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'purging expired oauth records failed'));
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
