// The CPU profile summary of `npm run bench -- profile` (pure logic over a hand-made V8 profile).
import { describe, expect, it } from 'vitest';
import {
  categoryOfUrl,
  grouped,
  summarizeProfile,
  type CpuProfile,
} from '../../bench/cpu-profile-summary.ts';

const root = '/repo/';
const mod = (path: string) => `file:///repo/node_modules/${path}`;

/** A profile whose nodes form one tree from (root); each sample lasts the next sample's delta (1 ms here). */
function profileOf(
  frames: Array<[id: number, parent: number, name: string, url: string]>,
  samples: number[],
) {
  const nodes = [
    { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [] as number[] },
    ...frames.map(([id, , functionName, url]) => ({
      id,
      callFrame: { functionName, url, lineNumber: 9 },
      children: [] as number[],
    })),
  ];
  for (const [id, parent] of frames) nodes.find((n) => n.id === parent)!.children.push(id);
  return {
    nodes,
    samples,
    timeDeltas: samples.map(() => 1000),
    startTime: 0,
    endTime: samples.length * 1000,
  } satisfies CpuProfile;
}

describe('the CPU profile summary', () => {
  it('counts node internals and natives for the package that called them, and what nothing called as node internals', () => {
    const profile = profileOf(
      [
        [2, 1, 'sendCommand', mod('mongodb/lib/cmap/connection.js')],
        [3, 2, 'Socket._writeGeneric', 'node:net'],
        [4, 3, 'writeBuffer', ''],
        [5, 1, 'processTicksAndRejections', 'node:internal/process/task_queues'],
        [6, 1, '(garbage collector)', ''],
        [7, 1, '(idle)', ''],
      ],
      [4, 4, 3, 2, 5, 6, 7, 7, 7, 7, 7],
    );
    const summary = summarizeProfile(profile, { projectRoot: root });
    const share = Object.fromEntries(summary.categories.map((c) => [c.category, c.share]));
    // the last sample has no following delta and weighs nothing: 6 busy samples of 1 ms, 4 idle
    expect(summary.busyMs).toBe(6);
    expect(summary.idleMs).toBe(4);
    expect(share).toEqual({ 'MongoDB driver': 4 / 6, 'node internals': 1 / 6, GC: 1 / 6 });
    expect(summary.inNodeShare).toBeCloseTo(4 / 6);
    expect(summary.topFunctions[0]).toMatchObject({
      function: 'writeBuffer (native, in MongoDB driver)',
      share: 2 / 6,
    });
  });

  it('counts only the samples inside the window', () => {
    const profile = profileOf(
      [
        [2, 1, 'handler', 'file:///repo/src/oauth/token.ts'],
        [3, 1, 'startup', mod('tsx/dist/loader.mjs')],
      ],
      [3, 3, 3, 2, 2, 2, 3],
    );
    const summary = summarizeProfile(profile, { projectRoot: root, fromUs: 4000, toUs: 6000 });
    expect(summary.categories).toEqual([{ category: 'src/oauth/token.ts', share: 1 }]);
  });

  it('sums several processes (cluster workers) as one', () => {
    const worker = (url: string) => profileOf([[2, 1, 'handler', url]], [2, 2, 2]);
    const summary = summarizeProfile(
      [worker(mod('oidc-provider/lib/actions/token.js')), worker('file:///repo/src/oauth/token.ts')],
      { projectRoot: root },
    );
    expect(summary.busyMs).toBe(4);
    expect(summary.categories).toEqual([
      { category: 'oidc-provider', share: 0.5 },
      { category: 'src/oauth/token.ts', share: 0.5 },
    ]);
  });

  it('names categories by package, scoped package, nested package, our file, and never by inherited object keys', () => {
    expect(categoryOfUrl(mod('@koa/router/lib/router.js'), root)).toBe('koa');
    expect(categoryOfUrl(mod('koa-compose/index.js'), root)).toBe('koa');
    expect(categoryOfUrl(mod('mongoose/node_modules/bson/lib/bson.cjs'), root)).toBe('bson');
    expect(categoryOfUrl(mod('constructor/index.js'), root)).toBe('other: constructor');
    expect(categoryOfUrl('file:///repo/src/http/form-body.ts', root)).toBe('src/http/form-body.ts');
    expect(categoryOfUrl('file:///repo/bench/server-process.ts', root)).toBe(
      'other: bench/server-process.ts',
    );
    expect(categoryOfUrl('node:internal/async_hooks', root)).toBe('node internals');
    const profile = profileOf([[2, 1, 'constructor', mod('jose/dist/index.js')]], [2, 2]);
    expect(summarizeProfile(profile, { projectRoot: root }).categories[0]?.category).toBe('other: jose');
  });

  it('folds our files into "our src/" and other packages into "other", keeping every group in order', () => {
    const profile = profileOf(
      [
        [2, 1, 'a', 'file:///repo/src/a.ts'],
        [3, 1, 'b', 'file:///repo/src/b.ts'],
        [4, 1, 'c', mod('ioredis/built/Pipeline.js')],
      ],
      [2, 3, 3, 4, 4],
    );
    const groups = grouped(summarizeProfile(profile, { projectRoot: root }));
    expect(groups.map((g) => g.group)).toEqual([
      'MongoDB driver',
      'bson',
      'mongoose',
      'oidc-provider',
      'koa',
      'node internals',
      'GC',
      'our src/',
      'other',
    ]);
    expect(groups.find((g) => g.group === 'our src/')).toEqual({
      group: 'our src/',
      share: 0.75,
      details: [
        { name: 'src/b.ts', share: 0.5 },
        { name: 'src/a.ts', share: 0.25 },
      ],
    });
    expect(groups.find((g) => g.group === 'other')?.details).toEqual([{ name: 'ioredis', share: 0.25 }]);
  });
});
