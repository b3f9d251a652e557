import { describe, expect, it } from 'vitest';
import { createExpiringKeys } from './expiring-keys.ts';

describe('expiring keys', () => {
  it('holds a key until its time, then forgets it', () => {
    const keys = createExpiringKeys();
    keys.hold('a', 1000, 0);
    expect(keys.remaining('a', 400)).toBe(600);
    expect(keys.remaining('a', 1000)).toBe(0);
    expect(keys.size).toBe(0);
    expect(keys.remaining('never', 0)).toBe(0);
  });

  it('releases a key before its time', () => {
    const keys = createExpiringKeys();
    keys.hold('a', 1000, 0);
    keys.release('a');
    expect(keys.remaining('a', 1)).toBe(0);
  });

  it('stays bounded: expired keys go first, then all when every key is live', () => {
    const keys = createExpiringKeys(3);
    keys.hold('a', 10, 0);
    keys.hold('b', 1000, 0);
    keys.hold('c', 1000, 0);
    keys.hold('d', 1000, 100); // 'a' expired: only it goes
    expect([keys.size, keys.remaining('b', 100), keys.remaining('d', 100)]).toEqual([3, 900, 1000]);
    keys.hold('e', 1000, 200); // all live: forgotten, which costs only asking again
    expect(keys.size).toBe(1);
    expect(keys.remaining('e', 200)).toBe(1000);
  });
});
