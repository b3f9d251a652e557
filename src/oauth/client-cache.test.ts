import { describe, expect, it } from 'vitest';
import { createClientCache } from './client-cache.ts';

/** A cache on a hand-driven clock, with a loader that counts its reads and can be held open. */
function setUp(maxEntries = 3, lifetimeMs = 1000) {
  let now = 0;
  const cache = createClientCache<string>({ maxEntries, lifetimeMs, clock: () => now });
  const reads: string[] = [];
  const store = new Map<string, string>();
  const load = (id: string) => async () => {
    reads.push(id);
    return store.get(id);
  };
  return { cache, reads, store, load, advance: (ms: number) => (now += ms) };
}

/** A loader that answers only when `release` is called: a database read in flight. */
function heldLoad(value: string | undefined) {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return { load: async () => (await gate, value), release: () => release() };
}

describe('client cache', () => {
  it('serves a client from memory until its lifetime ends, then reads it again', async () => {
    const { cache, reads, store, load, advance } = setUp();
    store.set('a', 'v1');
    expect(await cache.get('a', load('a'))).toBe('v1');
    advance(999);
    expect(await cache.get('a', load('a'))).toBe('v1');
    expect(reads).toEqual(['a']);
    store.set('a', 'v2');
    advance(1);
    expect(await cache.get('a', load('a'))).toBe('v2');
    expect(reads).toEqual(['a', 'a']);
  });

  it('reads a forgotten client again at once', async () => {
    const { cache, reads, store, load } = setUp();
    store.set('a', 'v1');
    await cache.get('a', load('a'));
    store.set('a', 'v2');
    cache.forget('a');
    expect(await cache.get('a', load('a'))).toBe('v2');
    expect(reads).toEqual(['a', 'a']);
  });

  it('never caches a miss, so unknown ids take no room', async () => {
    const { cache, reads, load } = setUp();
    for (let i = 0; i < 100; i++) expect(await cache.get(`random-${i}`, load(`random-${i}`))).toBeUndefined();
    expect(cache.size).toBe(0);
    await cache.get('random-0', load('random-0'));
    expect(reads.filter((id) => id === 'random-0')).toHaveLength(2);
  });

  it('holds at most maxEntries, dropping the least recently used', async () => {
    const { cache, reads, store, load } = setUp(3);
    for (const id of ['a', 'b', 'c', 'd']) store.set(id, id);
    await cache.get('a', load('a'));
    await cache.get('b', load('b'));
    await cache.get('c', load('c'));
    await cache.get('a', load('a')); // a is now the most recently used
    await cache.get('d', load('d')); // evicts b
    expect(cache.size).toBe(3);
    reads.length = 0;
    for (const id of ['a', 'c', 'd', 'b']) await cache.get(id, load(id));
    expect(reads).toEqual(['b']);
  });

  it('keeps a value read before a forget out of the cache', async () => {
    const { cache, store, load } = setUp();
    const stale = heldLoad('old');
    const lookup = cache.get('a', stale.load);
    store.set('a', 'new');
    cache.forget('a'); // the change landed while the old value was being read
    stale.release();
    expect(await lookup).toBe('old'); // that request started before the change
    expect(await cache.get('a', load('a'))).toBe('new');
  });

  it('keeps a value read before a clear out of the cache', async () => {
    const { cache, store, load } = setUp();
    const stale = heldLoad('old');
    const lookup = cache.get('a', stale.load);
    cache.clear();
    stale.release();
    await lookup;
    store.set('a', 'new');
    expect(await cache.get('a', load('a'))).toBe('new');
  });

  it('shares one read among concurrent lookups, but not across a forget', async () => {
    const { cache } = setUp();
    const first = heldLoad('v1');
    let extraReads = 0;
    const lookups = [cache.get('a', first.load), cache.get('a', async () => (extraReads++, 'x'))];
    cache.forget('a');
    const after = cache.get('a', async () => 'v2');
    first.release();
    expect(await Promise.all(lookups)).toEqual(['v1', 'v1']);
    expect(extraReads).toBe(0);
    expect(await after).toBe('v2');
  });

  it('dates an entry from the start of its read, and applies a new lifetime to later reads', async () => {
    const { cache, reads, store, load, advance } = setUp(3, 1000);
    store.set('a', 'v1');
    const slow = heldLoad('v1');
    const lookup = cache.get('a', slow.load);
    advance(600); // the read took 600 ms: the entry has 400 ms left
    slow.release();
    await lookup;
    advance(399);
    await cache.get('a', load('a'));
    expect(reads).toEqual([]);
    advance(1);
    await cache.get('a', load('a')); // expired 1000 ms after its read began
    expect(reads).toEqual(['a']);
    cache.setLifetime(60_000);
    advance(1000);
    await cache.get('a', load('a')); // read with the old lifetime: expired
    advance(30_000);
    await cache.get('a', load('a')); // read with the new one: still fresh
    expect(reads).toEqual(['a', 'a']);
  });

  it('does not cache a failed read', async () => {
    const { cache, reads, store, load } = setUp();
    await expect(cache.get('a', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    store.set('a', 'v1');
    expect(await cache.get('a', load('a'))).toBe('v1');
    expect(reads).toEqual(['a']);
  });
});

describe('client cache put', () => {
  it('serves a value put by this process without a read, for one lifetime', async () => {
    const { cache, reads, load, advance } = setUp(3, 1000);
    cache.put('t', 'written');
    expect(await cache.get('t', load('t'))).toBe('written');
    expect(reads).toEqual([]);
    advance(1000);
    expect(await cache.get('t', load('t'))).toBeUndefined();
    expect(reads).toEqual(['t']);
  });

  it('forgets a value put, like one loaded', async () => {
    const { cache, reads, load } = setUp();
    cache.put('t', 'written');
    cache.forget('t');
    expect(await cache.get('t', load('t'))).toBeUndefined();
    expect(reads).toEqual(['t']);
  });
});
