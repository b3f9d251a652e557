import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { connectMongo, type Connection } from '../../src/infra/mongo/connection.ts';

/** Replaces the database name of a MongoDB URI, keeping hosts and options. */
export function withDatabaseName(uri: string, name: string): string {
  const [base = '', query] = uri.split('?', 2);
  const hostsEnd = base.indexOf('/', base.indexOf('://') + 3);
  const hosts = hostsEnd === -1 ? base : base.slice(0, hostsEnd);
  return `${hosts}/${name}${query ? `?${query}` : ''}`;
}

/** A URI for a fresh database of its own on the run's shared server. */
export function freshDatabaseUri(label = 't'): string {
  return withDatabaseName(
    inject('mongoBaseUri'),
    `${label}_${randomUUID().replaceAll('-', '').slice(0, 12)}`,
  );
}

/** Connects to a fresh database; `drop()` removes it and closes the connection. */
export async function freshDatabase(
  label?: string,
): Promise<{ uri: string; connection: Connection; drop(): Promise<void> }> {
  const uri = freshDatabaseUri(label);
  const connection = await connectMongo(uri);
  return {
    uri,
    connection,
    async drop() {
      await connection.dropDatabase();
      await connection.close();
    },
  };
}
