import mongoose, { type Connection } from 'mongoose';

export type { Connection };

/**
 * How long any one step of talking to the database may take before the request fails with 503
 * (see unavailable.ts): choosing a server, opening a connection, or waiting for a reply. The
 * driver's defaults (30 s to connect, replies awaited forever, mongoose buffering for 10 s) held
 * requests for up to 50 s when the database stopped answering. 2 s is ample for a healthy
 * database on a loaded machine; an option given in the URI wins.
 */
export const DATABASE_TIMEOUT_MS = 2000;

/** Driver options for failing fast; each one given in the URI wins. */
const failFast = {
  serverSelectionTimeoutMS: DATABASE_TIMEOUT_MS,
  connectTimeoutMS: DATABASE_TIMEOUT_MS,
  // armed only while a command awaits its reply (never on idle pooled connections)
  socketTimeoutMS: DATABASE_TIMEOUT_MS,
  // a hello every second (each answered within connectTimeoutMS): a frozen or unreachable database
  // is seen within ~3 s, and the driver then fails every waiting operation at once instead of
  // letting each one time out in turn; recovery is seen as fast. Polling alike on MongoDB (which
  // could stream) and FerretDB (which cannot).
  heartbeatFrequencyMS: 1000,
  serverMonitoringMode: 'poll',
  // an operation that failed on the network would wait for a server all over again (twice the
  // time); the caller gets 503 with Retry-After instead and retries itself
  retryReads: false,
  retryWrites: false,
  // connections opened at once (default 2): with a silent database each opening waits its 2 s,
  // and requests queued behind two of them waited 4 s and more
  maxConnecting: 8,
} as const;

function optionsNotIn(uri: string): Partial<typeof failFast> {
  return Object.fromEntries(
    Object.entries(failFast).filter(([name]) => !new RegExp(`[?&]${name}=`, 'i').test(uri)),
  );
}

/** Opens a dedicated mongoose connection (no global `mongoose.connect`), failing fast when unreachable. */
export async function connectMongo(uri: string): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    ...optionsNotIn(uri),
    // no queueing while disconnected: an operation goes to the driver, which fails within the timeouts
    bufferCommands: false,
    autoIndex: false,
    autoCreate: false,
  });
  return connection.asPromise();
}

/**
 * Resolves when the database answers a ping, rejects otherwise; never takes longer than `withinMs`
 * (1.5 s by default, so that /readyz answers within 2 s whatever the database does).
 */
export async function pingMongo(connection: Connection, withinMs = 1500): Promise<void> {
  const db = connection.db;
  if (!db || connection.readyState !== 1) throw new Error('database not connected');
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`database did not answer within ${withinMs} ms`)), withinMs);
  });
  try {
    await Promise.race([db.command({ ping: 1 }), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
