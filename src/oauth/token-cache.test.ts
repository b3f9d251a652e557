import type { Adapter, AdapterPayload } from 'oidc-provider';
import { describe, expect, it } from 'vitest';
import { createClientCache } from './client-cache.ts';
import { tokenDigest, withTokenCache } from './token-cache.ts';
import { bitsOfOpaqueRandomness, withModelOfTokenIds } from './token-ids.ts';

/** An adapter over a Map that counts its reads. */
function mapAdapter() {
  const records = new Map<string, AdapterPayload>();
  const reads: string[] = [];
  const adapter: Adapter = {
    upsert: async (id, payload) => void records.set(id, payload),
    find: async (id) => (reads.push(id), records.get(id)),
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
    consume: async () => undefined,
    destroy: async (id) => void records.delete(id),
    revokeByGrantId: async () => undefined,
  };
  return { adapter, records, reads };
}

function setUp() {
  const inner = mapAdapter();
  const cache = createClientCache<AdapterPayload>({ maxEntries: 10, lifetimeMs: 60_000 });
  const announced: string[] = [];
  const adapter = withTokenCache(inner.adapter, cache, async (digest) => void announced.push(digest));
  return { ...inner, adapter, cache, announced };
}

describe('token cache adapter', () => {
  it('serves a token it stored without reading it back', async () => {
    const { adapter, reads } = setUp();
    await adapter.upsert('t1', { jti: 't1' }, 3600);
    expect(await adapter.find('t1')).toEqual({ jti: 't1' });
    expect(reads).toEqual([]);
  });

  it('reads a token stored elsewhere once, then serves it from memory', async () => {
    const { adapter, records, reads } = setUp();
    records.set('t2', { jti: 't2' });
    await adapter.find('t2');
    await adapter.find('t2');
    expect(reads).toEqual(['t2']);
  });

  it('forgets a destroyed token at once and announces its digest, never the token', async () => {
    const { adapter, announced, reads } = setUp();
    await adapter.upsert('t3', { jti: 't3' }, 3600);
    await adapter.destroy('t3');
    expect(await adapter.find('t3')).toBeUndefined();
    expect(reads).toEqual(['t3']);
    expect(announced).toEqual([tokenDigest('t3')]);
    expect(announced[0]).not.toContain('t3');
  });

  it('forgets and announces even when the delete fails (it may have happened all the same)', async () => {
    const inner = mapAdapter();
    const announced: string[] = [];
    const failing = withTokenCache(
      { ...inner.adapter, destroy: async () => Promise.reject(new Error('database down')) },
      createClientCache<AdapterPayload>({ maxEntries: 10, lifetimeMs: 60_000 }),
      async (digest) => void announced.push(digest),
    );
    await failing.upsert('t5', { jti: 't5' }, 3600);
    await expect(failing.destroy('t5')).rejects.toThrow('database down');
    await failing.find('t5');
    expect(inner.reads).toEqual(['t5']); // read from the database again, not served from memory
    expect(announced).toEqual([tokenDigest('t5')]);
  });
});

describe('token ids say their model', () => {
  it("gives keys' tokens 264 bits (44 characters) and everything else 256 (43)", () => {
    expect(bitsOfOpaqueRandomness(undefined, { kind: 'ClientCredentials' })).toBe(264);
    expect(bitsOfOpaqueRandomness(undefined, { kind: 'AccessToken' })).toBe(256);
    expect(Math.ceil(264 / 6)).toBe(44);
  });

  it("AccessToken lookups of a key's token value read nothing; other lengths are read", async () => {
    const inner = mapAdapter();
    const accessTokens = withModelOfTokenIds('AccessToken', inner.adapter);
    expect(await accessTokens.find('k'.repeat(44))).toBeUndefined();
    await accessTokens.find('p'.repeat(43));
    expect(inner.reads).toEqual(['p'.repeat(43)]);
  });

  it('leaves the ClientCredentials adapter reading every value (tokens of 43 characters from before)', async () => {
    const inner = mapAdapter();
    const keysTokens = withModelOfTokenIds('ClientCredentials', inner.adapter);
    await keysTokens.find('k'.repeat(43));
    await keysTokens.find('k'.repeat(44));
    expect(inner.reads).toHaveLength(2);
  });
});
