import { describe, expect, it } from 'vitest';
import { tryBucket, TAU_US } from './gcra.ts';
import { vectors } from './gcra-vectors.ts';
import { createMemoryBuckets } from './memory-buckets.ts';
import { limitsFrom } from './limits.ts';

describe('GCRA in process (shared vectors)', () => {
  it.each(vectors)('$name', ({ limits, steps }) => {
    const buckets = createMemoryBuckets();
    const owner = limitsFrom(limits.limit, Object.entries(limits.reservations));
    for (const [i, step] of steps.entries()) {
      const decision = buckets.decide('o', owner, step.key, step.at, step.cost ?? 1);
      expect({ step: i, allowed: decision.allowed, pool: decision.pool }).toEqual({
        step: i,
        ...step.expect,
        remaining: undefined,
      });
      if (step.expect.remaining !== undefined) expect(decision.remaining).toBe(step.expect.remaining);
    }
  });
});

describe('GCRA bounds', () => {
  it('never admits more than rate x (t + 1) in any window, under arbitrary arrival times', () => {
    for (const rate of [1, 7, 60, 100, 333]) {
      let tat: number | undefined;
      const admitted: number[] = [];
      let now = 0;
      let seed = rate;
      for (let i = 0; i < 20_000; i++) {
        seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
        now += seed % 3_000; // bursts and gaps, up to 3 ms apart
        const result = tryBucket(tat, now, rate, 1);
        if (result.ok) {
          tat = result.tat;
          admitted.push(now);
        }
      }
      for (const windowUs of [20_000, 1_000_000, 2_500_000]) {
        let start = 0;
        for (let end = 0; end < admitted.length; end++) {
          while (admitted[end]! - admitted[start]! > windowUs) start++;
          expect(end - start + 1).toBeLessThanOrEqual(Math.floor(rate * (1 + windowUs / TAU_US)) + 1);
        }
      }
      // and it admits the full rate when asked continuously: about rate x seconds + burst
      const seconds = now / TAU_US;
      expect(admitted.length).toBeGreaterThanOrEqual(Math.floor(rate * seconds * 0.98));
    }
  });
});
