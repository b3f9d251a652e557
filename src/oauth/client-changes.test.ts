import { describe, expect, it } from 'vitest';
import type { Repositories } from '../domain/ports.ts';
import { withClientChanges } from './client-changes.ts';

/** Repositories whose key writes only record themselves (and fail when told to). */
function fakeRepos(calls: string[], fail = false): Repositories {
  const write = (what: string) => async () => {
    calls.push(what);
    if (fail) throw new Error('timeout');
  };
  return {
    applicationKeys: { update: write('update'), remove: write('remove'), touch: write('touch') },
  } as unknown as Repositories;
}

describe('withClientChanges', () => {
  it("announces a key's client id after each update and removal, and nothing for other writes", async () => {
    const calls: string[] = [];
    const repos = withClientChanges(
      fakeRepos(calls),
      async (clientId) => void calls.push(`changed ${clientId}`),
    );
    await repos.applicationKeys.update('k1', { name: 'x' }, new Date());
    await repos.applicationKeys.remove('k2');
    await repos.applicationKeys.touch('k3', new Date());
    expect(calls).toEqual(['update', 'changed appkeys_ak_k1', 'remove', 'changed appkeys_ak_k2', 'touch']);
  });

  it('announces the change also when the write failed (it may have happened all the same)', async () => {
    const calls: string[] = [];
    const repos = withClientChanges(
      fakeRepos(calls, true),
      async (clientId) => void calls.push(`changed ${clientId}`),
    );
    await expect(repos.applicationKeys.update('k1', { name: 'x' }, new Date())).rejects.toThrow('timeout');
    await expect(repos.applicationKeys.remove('k2')).rejects.toThrow('timeout');
    expect(calls).toEqual(['update', 'changed appkeys_ak_k1', 'remove', 'changed appkeys_ak_k2']);
  });
});
