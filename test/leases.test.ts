import { setTimeout as sleep } from 'node:timers/promises';
import type { mongo } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLeases } from '../src/infra/mongo/leases.ts';
import { freshDatabase } from './helpers/database.ts';

let database: Awaited<ReturnType<typeof freshDatabase>>;
let db: mongo.Db;
beforeAll(async () => {
  database = await freshDatabase('leases');
  db = database.connection.db as mongo.Db;
});
afterAll(() => database?.drop());

describe('leases over the real database', () => {
  it('run bodies of one name one at a time', async () => {
    const leases = createLeases(db);
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 12 }, () =>
        leases.run('one-name', async () => {
          inside++;
          most = Math.max(most, inside);
          await sleep(5);
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(await db.collection('leases').countDocuments({ _id: 'one-name' as never })).toBe(0);
  });

  it('release the lease when the body throws', async () => {
    const leases = createLeases(db);
    await expect(leases.run('throwing', async () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    expect(await leases.run('throwing', async () => 'again')).toBe('again');
  });

  it('take over a lease whose holder crashed once it has expired', async () => {
    await db
      .collection('leases')
      .insertOne({ _id: 'crashed' as never, holder: 'dead', expiresAt: new Date(Date.now() + 150) });
    const started = Date.now();
    expect(await createLeases(db).run('crashed', async () => 'mine')).toBe('mine');
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('give up with 503 when the lease stays taken', async () => {
    await db
      .collection('leases')
      .insertOne({ _id: 'stuck' as never, holder: 'slow', expiresAt: new Date(Date.now() + 60_000) });
    await expect(createLeases(db, { waitMs: 100 }).run('stuck', async () => 'never')).rejects.toMatchObject({
      status: 503,
    });
  });
});
