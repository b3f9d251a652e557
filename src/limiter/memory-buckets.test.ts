import { describe, expect, it } from 'vitest';
import { TAU_US } from './gcra.ts';
import { limitsFrom } from './limits.ts';
import { createMemoryBuckets } from './memory-buckets.ts';

const SECOND = 1_000_000; // µs

describe('the in-process twin', () => {
  it('holds buckets only for owners and keys used within the last burst window (the sweep bounds memory)', () => {
    const buckets = createMemoryBuckets();
    const limits = limitsFrom(100, [['reserved', 10]]);
    for (let i = 0; i < 1000; i++) buckets.decide(`store:${i}`, limits, `key-${i}`, 0, 1);
    buckets.decide('store:busy', limits, 'reserved', 0, 1);
    expect([...buckets.owners()]).toHaveLength(1001);

    // half a second later nothing is full again yet: the sweep keeps everything
    buckets.sweep(SECOND / 2);
    expect([...buckets.owners()]).toHaveLength(1001);

    // one owner keeps sending; after the burst window the others' buckets are full and forgotten
    const later = TAU_US + SECOND / 2;
    buckets.decide('store:busy', limits, 'reserved', later, 1);
    buckets.sweep(later);
    expect([...buckets.owners()]).toEqual(['store:busy']);
    expect([...(buckets.tatsOf('store:busy')?.keys.keys() ?? [])]).toEqual(['reserved']);

    buckets.sweep(later + 2 * TAU_US);
    expect([...buckets.owners()]).toEqual([]);
  });

  it('decides the same after a sweep as without one (a forgotten bucket was full)', () => {
    const limits = limitsFrom(2, []);
    const [swept, kept] = [createMemoryBuckets(), createMemoryBuckets()];
    for (const twin of [swept, kept]) {
      twin.decide('store:a', limits, 'k', 0, 1);
      twin.decide('store:a', limits, 'k', 0, 1);
    }
    swept.sweep(3 * SECOND);
    const after = (twin: typeof swept) =>
      [0, 1, 2].map((i) => twin.decide('store:a', limits, 'k', 3 * SECOND + i, 1).allowed);
    expect(after(swept)).toEqual(after(kept));
    expect(after(createMemoryBuckets())).toEqual([true, true, false]);
  });
});
