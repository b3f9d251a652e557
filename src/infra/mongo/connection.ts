import mongoose, { type Connection } from 'mongoose';

export type { Connection };

/** Opens a dedicated mongoose connection (no global `mongoose.connect`), failing fast when unreachable. */
export async function connectMongo(uri: string): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    // a timeout given in the URI wins
    ...(/[?&]serverSelectionTimeoutMS=/i.test(uri) ? {} : { serverSelectionTimeoutMS: 10_000 }),
    autoIndex: false,
    autoCreate: false,
  });
  return connection.asPromise();
}

export async function pingMongo(connection: Connection): Promise<void> {
  const db = connection.db;
  if (!db || connection.readyState !== 1) throw new Error('database not connected');
  await db.command({ ping: 1 }, { timeoutMS: 2000 });
}
