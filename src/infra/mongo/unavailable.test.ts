import mongoose from 'mongoose';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.ts';
import { asDatabaseUnavailable, isDatabaseUnavailable, RecordNotStoredError } from './unavailable.ts';

const { mongo } = mongoose;

describe('which errors mean the database is unavailable', () => {
  it('network errors, timeouts and "not now" answers of the server, also as a cause', () => {
    const unavailable = [
      new mongo.MongoNetworkError('connect ECONNREFUSED 127.0.0.1:1'),
      new mongo.MongoNetworkTimeoutError('connection 3 to 127.0.0.1:1 timed out'),
      new mongo.MongoServerError({ code: 91, errmsg: 'The server is in quiesce mode and will shut down' }),
      new mongo.MongoServerError({ code: 10107, errmsg: 'not primary' }),
      new mongo.MongoServerError({ code: 50, errmsg: 'operation exceeded time limit' }),
      new Error('wrapped', { cause: new mongo.MongoNetworkError('reset') }),
      new AppError('unavailable', 'Another change of the same limits is in progress; try again.'),
      // a token whose own document failed in a grouped insert: no token, but 503 and a retry
      new RecordNotStoredError('a ClientCredentials record was not stored', {
        cause: { index: 3, code: 2, errmsg: 'document failed' },
      }),
    ];
    for (const error of unavailable) expect(isDatabaseUnavailable(error), String(error)).toBe(true);
  });

  it("not the request's faults nor bugs: duplicate keys, validation, other errors", () => {
    const others = [
      new mongo.MongoServerError({ code: 11000, errmsg: 'E11000 duplicate key error' }),
      new mongoose.Error.ValidationError(),
      new AppError('conflict', 'duplicate name'),
      new TypeError('undefined is not a function'),
      'a string',
      undefined,
    ];
    for (const error of others) expect(isDatabaseUnavailable(error), String(error)).toBe(false);
  });

  it('becomes one exposed 503 AppError with Retry-After, keeping the driver error as its cause', () => {
    const cause = new mongo.MongoNetworkTimeoutError('timed out');
    const error = asDatabaseUnavailable(cause);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'unavailable', status: 503, expose: true, cause });
    expect(error?.headers['Retry-After']).toMatch(/^[1-9]\d*$/);
    expect(asDatabaseUnavailable(new TypeError('bug'))).toBeUndefined();
  });
});
