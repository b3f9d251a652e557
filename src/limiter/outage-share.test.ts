import { describe, expect, it } from 'vitest';
import { limitsFrom } from './limits.ts';
import { debtUs, requestDebts, share } from './outage-share.ts';

describe('the outage share', () => {
  it('gives each instance its part of every bucket, at least 1', () => {
    const twin = share(
      limitsFrom(50, [
        ['a', 10],
        ['b', 1],
      ]),
      2,
    );
    expect(twin.limit).toBe(25);
    expect([...twin.reservations]).toEqual([
      ['a', 5],
      ['b', 1],
    ]);
  });

  it("converts what a twin owes into the cluster's debt on the full bucket", () => {
    // a twin at 25/s owing 10 requests (400 ms ahead), one of 2 instances: 20 requests at 50/s, 400 ms
    expect(debtUs(1_400_000, 1_000_000, 25, 50, 2)).toBe(400_000);
    expect(debtUs(1_400_000, 1_000_000, 50, 50, 1)).toBe(400_000);
    expect(debtUs(900_000, 1_000_000, 25, 50, 2)).toBe(0);
    expect(debtUs(undefined, 1_000_000, 25, 50, 2)).toBe(0);
  });

  it("skips buckets already carried, and the key's debt uses its reservation's rates", () => {
    const limits = limitsFrom(50, [['a', 10]]);
    const tats = { shared: 2_000_000, keys: new Map([['a', 1_500_000]]) };
    // twin: key a at 5/s owing 2.5 requests, shared at 20/s owing 20; x 2 instances, at 10/s and 40/s
    expect(requestDebts(tats, limits, 2, 'a', 1_000_000, { key: false, shared: false })).toEqual({
      keyUs: 500_000,
      sharedUs: 1_000_000,
    });
    expect(requestDebts(tats, limits, 2, 'a', 1_000_000, { key: true, shared: false }).keyUs).toBe(0);
  });
});
