/**
 * An in-process cache of OAuth clients (application keys and resource servers) by client id,
 * so that minting, introspection and /v2 authentication do not read the database for the same
 * client on every request. Why it is shaped so:
 *
 * - **Exact invalidation.** `forget(clientId)` drops an entry at once; the instance that changes a
 *   key calls it after its write, other instances when Redis tells them (client-invalidations.ts).
 *   A load that was already reading the database when a `forget` (or `clear`) came may hold the
 *   old value: a generation counter keeps it out of the cache, and later lookups start a new load
 *   instead of joining the old one.
 * - **Bounded age.** An entry lives `lifetimeMs` from the moment its load *started* (the data can
 *   be no older than that). The server sets 1 s while no invalidation channel is up, longer while
 *   one is (`setLifetime`).
 * - **Bounded size.** At most `maxEntries`, least recently used first out. Misses are never
 *   cached: a client id nobody issued then costs a database read (one indexed read, and none for an
 *   id of the wrong shape), and a hostile caller sending random client ids can neither grow the
 *   cache nor push legitimate clients out of it. Failed client authentication is throttled anyway.
 * - **One load per client at a time**: concurrent lookups of a client not cached share one read.
 *
 * The token cache (token-cache.ts) is the same structure, keyed by a digest of the token.
 */
export type ClientCacheOptions = {
  maxEntries: number;
  lifetimeMs: number;
  /** Milliseconds, monotonic enough for lifetimes (Date.now by default; tests pass their own). */
  clock?: () => number;
  /** Called once per lookup: served from memory, or loaded. */
  onLookup?: (result: 'hit' | 'load') => void;
};

type Entry<V> = { value: V; expiresAt: number };

export function createClientCache<V>(options: ClientCacheOptions) {
  const clock = options.clock ?? Date.now;
  const entries = new Map<string, Entry<V>>();
  const loading = new Map<string, Promise<V | undefined>>();
  let lifetimeMs = options.lifetimeMs;
  let generation = 0;

  function remember(clientId: string, value: V, expiresAt: number): void {
    entries.delete(clientId);
    entries.set(clientId, { value, expiresAt });
    while (entries.size > options.maxEntries) {
      const oldest = entries.keys().next();
      if (oldest.done) break;
      entries.delete(oldest.value);
    }
  }

  return {
    /** The client, from memory when fresh, else from `load` (undefined: no such client, not cached). */
    get(clientId: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
      const now = clock();
      const entry = entries.get(clientId);
      if (entry && entry.expiresAt > now) {
        // most recently used last
        entries.delete(clientId);
        entries.set(clientId, entry);
        options.onLookup?.('hit');
        return Promise.resolve(entry.value);
      }
      if (entry) entries.delete(clientId);
      options.onLookup?.('load');
      const pending = loading.get(clientId);
      if (pending) return pending;
      const started = generation;
      const expiresAt = now + lifetimeMs;
      const promise = load().then(
        (value) => {
          if (loading.get(clientId) === promise) loading.delete(clientId);
          if (value !== undefined && generation === started) remember(clientId, value, expiresAt);
          return value;
        },
        (error: unknown) => {
          if (loading.get(clientId) === promise) loading.delete(clientId);
          throw error;
        },
      );
      loading.set(clientId, promise);
      return promise;
    },

    /**
     * Remembers a value this process has just written (a token it stored), for the current
     * lifetime: the next lookup needs no read.
     */
    put(clientId: string, value: V): void {
      remember(clientId, value, clock() + lifetimeMs);
    },

    /** The client changed or is gone: the next lookup reads it again. */
    forget(clientId: string): void {
      generation++;
      entries.delete(clientId);
      loading.delete(clientId);
    },

    /** Everything may have changed (the invalidation channel was down): read every client again. */
    clear(): void {
      generation++;
      entries.clear();
      loading.clear();
    },

    /** The lifetime of entries loaded from now on. */
    setLifetime(ms: number): void {
      lifetimeMs = ms;
    },

    get size(): number {
      return entries.size;
    },
  };
}

export type ClientCache<V> = ReturnType<typeof createClientCache<V>>;
