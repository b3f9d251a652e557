/**
 * Shared test vectors: sequences of requests (time in µs, key, cost) against limits, with the
 * expected outcome. Both the TypeScript twin and the Redis script must produce exactly these.
 */
export type Vector = {
  name: string;
  limits: { limit: number; reservations: Record<string, number> };
  steps: Array<{
    at: number;
    key: string;
    cost?: number;
    expect: { allowed: boolean; pool: 'key' | 'shared'; remaining?: number };
  }>;
};

const repeat = (count: number, at: number, key: string, expect: Vector['steps'][number]['expect']) =>
  Array.from({ length: count }, () => ({ at, key, expect }));

export const vectors: Vector[] = [
  {
    name: 'a fresh shared pool admits one second of burst, then refuses',
    limits: { limit: 5, reservations: {} },
    steps: [
      { at: 0, key: 'a', expect: { allowed: true, pool: 'shared', remaining: 4 } },
      ...repeat(3, 0, 'a', { allowed: true, pool: 'shared' }),
      { at: 0, key: 'a', expect: { allowed: true, pool: 'shared', remaining: 0 } },
      { at: 0, key: 'a', expect: { allowed: false, pool: 'shared' } },
      { at: 199_999, key: 'a', expect: { allowed: false, pool: 'shared' } },
      { at: 200_000, key: 'a', expect: { allowed: true, pool: 'shared', remaining: 0 } },
    ],
  },
  {
    name: 'the reservation is charged first, then the shared pool',
    limits: { limit: 4, reservations: { r: 2 } },
    steps: [
      { at: 0, key: 'r', expect: { allowed: true, pool: 'key', remaining: 1 } },
      { at: 0, key: 'r', expect: { allowed: true, pool: 'key', remaining: 0 } },
      { at: 0, key: 'r', expect: { allowed: true, pool: 'shared', remaining: 1 } },
      { at: 0, key: 'u', expect: { allowed: true, pool: 'shared', remaining: 0 } },
      { at: 0, key: 'u', expect: { allowed: false, pool: 'shared' } },
      { at: 0, key: 'r', expect: { allowed: false, pool: 'key' } },
      { at: 500_000, key: 'r', expect: { allowed: true, pool: 'key', remaining: 0 } },
    ],
  },
  {
    name: 'an unreserved key cannot touch reservations, and a reserved key keeps its share',
    limits: { limit: 3, reservations: { r: 2 } },
    steps: [
      { at: 0, key: 'u', expect: { allowed: true, pool: 'shared', remaining: 0 } },
      { at: 0, key: 'u', expect: { allowed: false, pool: 'shared' } },
      { at: 0, key: 'r', expect: { allowed: true, pool: 'key' } },
      { at: 0, key: 'r', expect: { allowed: true, pool: 'key' } },
      { at: 0, key: 'r', expect: { allowed: false, pool: 'key' } },
    ],
  },
  {
    name: 'a fully reserved owner leaves unreserved keys nothing',
    limits: { limit: 2, reservations: { r: 2 } },
    steps: [
      { at: 0, key: 'u', expect: { allowed: false, pool: 'shared' } },
      { at: 5_000_000, key: 'u', expect: { allowed: false, pool: 'shared' } },
      { at: 0, key: 'r', expect: { allowed: true, pool: 'key' } },
    ],
  },
  {
    name: 'cost counts as that many requests, and a refusal consumes nothing',
    limits: { limit: 10, reservations: {} },
    steps: [
      { at: 0, key: 'a', cost: 8, expect: { allowed: true, pool: 'shared', remaining: 2 } },
      { at: 0, key: 'a', cost: 3, expect: { allowed: false, pool: 'shared' } },
      { at: 0, key: 'a', cost: 2, expect: { allowed: true, pool: 'shared', remaining: 0 } },
    ],
  },
  {
    name: 'remaining counts whole requests despite the TAT being rounded to a microsecond',
    limits: { limit: 6, reservations: {} },
    steps: [
      { at: 0, key: 'a', expect: { allowed: true, pool: 'shared', remaining: 5 } },
      { at: 0, key: 'a', expect: { allowed: true, pool: 'shared', remaining: 4 } },
    ],
  },
  {
    name: 'a rate that does not divide a second refills at its interval',
    limits: { limit: 3, reservations: {} },
    steps: [
      ...repeat(3, 0, 'a', { allowed: true, pool: 'shared' }),
      { at: 300_000, key: 'a', expect: { allowed: false, pool: 'shared' } },
      { at: 340_000, key: 'a', expect: { allowed: true, pool: 'shared', remaining: 0 } },
      { at: 340_000, key: 'a', expect: { allowed: false, pool: 'shared' } },
      { at: 670_000, key: 'a', expect: { allowed: true, pool: 'shared', remaining: 0 } },
    ],
  },
];
