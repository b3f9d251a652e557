import type { Config } from '../config/env.ts';
import { startEmbeddedFerretdb } from './ferretdb/launch.ts';
import { resolveFerretdb } from './ferretdb/resolve-binary.ts';
import type { Logger } from './logger.ts';
import { connectMongo, type Connection } from './mongo/connection.ts';

export type Database = { connection: Connection; embedded: boolean; close(): Promise<void> };

/** MONGODB_URI when set; otherwise the embedded FerretDB, found or built on first use. */
export async function openDatabase(
  config: Pick<Config, 'mongodbUri' | 'dataDir' | 'ferretdbBin'>,
  logger: Logger,
): Promise<Database> {
  if (config.mongodbUri) {
    const connection = await connectMongo(config.mongodbUri);
    return { connection, embedded: false, close: () => connection.close() };
  }
  const binary = await resolveFerretdb(config.ferretdbBin, logger);
  const embedded = await startEmbeddedFerretdb({ binary, dataDir: config.dataDir, logger });
  try {
    const connection = await connectMongo(embedded.uri);
    return {
      connection,
      embedded: true,
      async close() {
        await connection.close();
        await embedded.stop();
      },
    };
  } catch (error) {
    await embedded.stop();
    throw error;
  }
}
