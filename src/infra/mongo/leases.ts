import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { mongo } from 'mongoose';
import { AppError } from '../../errors.ts';
import type { Leases } from '../../domain/ports.ts';

type LeaseDoc = { _id: string; holder: string; expiresAt: Date };

/**
 * Leases over a unique index: taking one is an insert of `{_id: name}`, which is atomic on MongoDB
 * and on FerretDB alike (unlike a conditional update, which FerretDB v1 runs as a read and a separate
 * write). A lease expires after `ttlMs`, so a crashed holder blocks others for at most that long;
 * waiters retry with jittered backoff and give up with 503 after `waitMs`.
 */
export function createLeases(db: mongo.Db, options: { ttlMs?: number; waitMs?: number } = {}): Leases {
  const ttlMs = options.ttlMs ?? 10_000;
  const waitMs = options.waitMs ?? 15_000;
  const leases = db.collection<LeaseDoc>('leases');

  async function acquire(name: string): Promise<string> {
    const deadline = Date.now() + waitMs;
    let backoff = 4;
    for (;;) {
      const holder = randomUUID();
      try {
        await leases.insertOne({ _id: name, holder, expiresAt: new Date(Date.now() + ttlMs) });
        return holder;
      } catch (error) {
        if ((error as { code?: unknown }).code !== 11000) throw error;
      }
      const current = await leases.findOne({ _id: name });
      if (current && current.expiresAt.getTime() < Date.now()) {
        await leases.deleteOne({ _id: name, holder: current.holder });
        continue;
      }
      if (Date.now() > deadline)
        throw new AppError('unavailable', 'Another change of the same limits is in progress; try again.', {
          headers: { 'Retry-After': '1' },
        });
      await sleep(backoff / 2 + Math.random() * backoff);
      backoff = Math.min(backoff * 2, 100);
    }
  }

  return {
    async run(name, body) {
      const holder = await acquire(name);
      try {
        return await body();
      } finally {
        await leases.deleteOne({ _id: name, holder });
      }
    },
  };
}
