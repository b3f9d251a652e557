import type { mongo } from 'mongoose';
import type { Logger } from '../infra/logger.ts';
import { purgeExpired } from './adapter.ts';

/** Deletes expired oidc-provider records every `intervalMs`; returns a function that stops it. */
export function schedulePurge(db: mongo.Db, intervalMs: number, logger: Logger): () => Promise<void> {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = purgeExpired(db)
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
