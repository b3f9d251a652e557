import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createGroupedInserts, type InsertMany } from './grouped-inserts.ts';

type Doc = { _id: string };

/** A stand-in for `insertMany`: records each call's documents; `answer` decides how it settles. */
function fakeInsertMany(answer: (docs: Doc[]) => Promise<unknown> = async () => ({})) {
  const calls: string[][] = [];
  const insertMany: InsertMany<Doc> = (docs) => {
    calls.push(docs.map((doc) => doc._id));
    return answer(docs);
  };
  return { calls, insertMany };
}

/** The error shapes of the MongoDB driver, as `insertMany` throws them. */
const bulkError = (writeErrors: Array<{ index: number; code: number }>, writeConcernError?: object) =>
  Object.assign(new Error('bulk write failed'), {
    writeErrors,
    result: { getWriteConcernError: () => writeConcernError },
  });

describe('grouped inserts', () => {
  it('writes the inserts asked for in one turn of the event loop with one insertMany', async () => {
    const { calls, insertMany } = fakeInsertMany();
    const insert = createGroupedInserts(insertMany);
    const outcomes = await Promise.all(['a', 'b', 'c'].map((id) => insert({ _id: id })));
    expect(outcomes).toEqual(['inserted', 'inserted', 'inserted']);
    expect(calls).toEqual([['a', 'b', 'c']]);
  });

  it('sends a lone insert at the end of its turn, and later inserts in a batch of their own', async () => {
    const { calls, insertMany } = fakeInsertMany();
    const insert = createGroupedInserts(insertMany);
    await insert({ _id: 'a' });
    await Promise.all([insert({ _id: 'b' }), insert({ _id: 'c' })]);
    expect(calls).toEqual([['a'], ['b', 'c']]);
  });

  it('never puts more than maxBatch documents in one command', async () => {
    const { calls, insertMany } = fakeInsertMany();
    const insert = createGroupedInserts(insertMany, { maxBatch: 2 });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => insert({ _id: id })));
    expect(calls).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('settles no caller before the database has answered', async () => {
    let answer: () => void = () => undefined;
    const { insertMany } = fakeInsertMany(() => new Promise<void>((resolve) => (answer = resolve)));
    const insert = createGroupedInserts(insertMany);
    let settled = false;
    const pending = insert({ _id: 'a' }).then(() => (settled = true));
    for (let i = 0; i < 5; i++) await nextTurn();
    expect(settled).toBe(false);
    answer();
    await pending;
    expect(settled).toBe(true);
  });

  it("settles each caller with its own document's outcome when some documents fail", async () => {
    const failure = { index: 2, code: 2, errmsg: 'document failed validation' };
    const { insertMany } = fakeInsertMany(async () => {
      throw bulkError([{ index: 1, code: 11000 }, failure]);
    });
    const insert = createGroupedInserts(insertMany);
    const results = await Promise.allSettled(['a', 'b', 'c', 'd'].map((id) => insert({ _id: id })));
    expect(results).toEqual([
      { status: 'fulfilled', value: 'inserted' },
      { status: 'fulfilled', value: 'duplicate' },
      { status: 'rejected', reason: failure },
      { status: 'fulfilled', value: 'inserted' },
    ]);
  });

  it('rejects every caller of the batch when the command fails as a whole, with the error inside', async () => {
    const network = new Error('connection closed');
    // the driver wraps a network error of insertMany in a MongoBulkWriteError without writeErrors
    const wrapped = Object.assign(new Error('connection closed'), {
      writeErrors: [],
      errorResponse: network,
    });
    const { insertMany } = fakeInsertMany(async () => {
      throw wrapped;
    });
    const insert = createGroupedInserts(insertMany);
    const results = await Promise.allSettled(['a', 'b'].map((id) => insert({ _id: id })));
    expect(results).toEqual([
      { status: 'rejected', reason: network },
      { status: 'rejected', reason: network },
    ]);
  });

  it('rejects every caller when the write concern was not met, even those whose document went in', async () => {
    const error = bulkError([{ index: 0, code: 11000 }], {
      code: 64,
      errmsg: 'waiting for replication timed out',
    });
    const { insertMany } = fakeInsertMany(async () => {
      throw error;
    });
    const insert = createGroupedInserts(insertMany);
    const results = await Promise.allSettled(['a', 'b'].map((id) => insert({ _id: id })));
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });

  it('keeps working after a failed batch', async () => {
    let fail = true;
    const { calls, insertMany } = fakeInsertMany(async () => {
      if (fail) throw new Error('down');
    });
    const insert = createGroupedInserts(insertMany);
    await expect(insert({ _id: 'a' })).rejects.toThrow('down');
    fail = false;
    await expect(insert({ _id: 'b' })).resolves.toBe('inserted');
    expect(calls).toEqual([['a'], ['b']]);
  });
});
