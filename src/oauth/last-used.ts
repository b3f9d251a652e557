import type { Repositories } from '../domain/ports.ts';
import type { Logger } from '../infra/logger.ts';

const INTERVAL_MS = 60_000;

/**
 * Records `last_used_at` when a key mints a token, at most once a minute per key and instance
 * (several instances may each write once a minute; the value stays within a minute of the truth).
 */
export function createLastUsedTracker(repos: Repositories, logger: Logger) {
  const recent = new Map<string, number>();
  return function keyUsed(clientId: string): void {
    const now = Date.now();
    if ((recent.get(clientId) ?? 0) > now - INTERVAL_MS) return;
    recent.set(clientId, now);
    if (recent.size > 10_000) recent.clear();
    void (async () => {
      const key = await repos.applicationKeys.findByClientId(clientId);
      if (key) await repos.applicationKeys.touch(key.id, new Date(now));
    })().catch((error: unknown) => logger.warn({ err: error }, 'recording last_used_at failed'));
  };
}
