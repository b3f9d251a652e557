import { describe, expect, it } from 'vitest';
import { limitConflict, poolWarnings, reservationConflict, sumReserved } from './reservations.ts';

describe('reservation rules', () => {
  it('accepts a reservation that fits what is left and refuses one more, naming the amounts', () => {
    const base = { ownerType: 'store' as const, rateLimit: 100, reservedByOthers: 80 };
    expect(reservationConflict({ ...base, requested: 20 })).toBeUndefined();
    const detail = reservationConflict({ ...base, requested: 21 });
    expect(detail).toContain('reserve 21');
    expect(detail).toContain('rate_limit is 100');
    expect(detail).toContain('80 are reserved');
    expect(detail).toContain('at most 20 are left');
  });

  it('refuses a limit below the reserved sum and accepts one equal to it', () => {
    expect(limitConflict({ ownerType: 'organization', rateLimit: 80, reserved: 80 })).toBeUndefined();
    expect(limitConflict({ ownerType: 'organization', rateLimit: 79, reserved: 80 })).toMatch(
      /reserve 80 .*1 more/,
    );
  });

  it('warns only when the shared pool is empty', () => {
    expect(poolWarnings(100, 99)).toEqual([]);
    expect(poolWarnings(100, 100)).toHaveLength(1);
  });

  it('sums reservations, optionally without one key', () => {
    const keys = [
      { id: 'a', reservedRateLimit: 10 },
      { id: 'b', reservedRateLimit: 5 },
    ];
    expect(sumReserved(keys)).toBe(15);
    expect(sumReserved(keys, 'a')).toBe(5);
  });
});
