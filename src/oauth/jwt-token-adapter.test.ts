import type { Adapter, AdapterPayload } from 'oidc-provider';
import { describe, expect, it } from 'vitest';
import { INTROSPECTED_JWT_PREFIX, withJwtAccessTokens } from './jwt-token-adapter.ts';

/** An adapter that records the ids it was asked for (the database, for this pure routing logic). */
function recordingAdapter() {
  const asked: string[] = [];
  const adapter = {
    asked,
    find: async (id: string) => {
      asked.push(id);
      return { jti: id } as AdapterPayload;
    },
    upsert: async () => {},
    destroy: async () => {},
    consume: async () => {},
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
    revokeByGrantId: async () => {},
  } satisfies Adapter & { asked: string[] };
  return adapter;
}

const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJqMSJ9.c2ln';
const readJwt = async (value: string) =>
  value === jwt ? ({ jti: 'verified' } as AdapterPayload) : undefined;

describe('the access-token adapters with JWTs', () => {
  it('verify a JWT (bare or prefixed) for ClientCredentials without asking the database', async () => {
    const inner = recordingAdapter();
    const adapter = withJwtAccessTokens('ClientCredentials', inner, readJwt);
    expect(await adapter.find(jwt)).toEqual({ jti: 'verified' });
    expect(await adapter.find(`${INTROSPECTED_JWT_PREFIX}${jwt}`)).toEqual({ jti: 'verified' });
    expect(await adapter.find(`${jwt}x`)).toBeUndefined();
    expect(inner.asked).toEqual([]);
  });

  it('look opaque handles up in the database as before', async () => {
    const inner = recordingAdapter();
    const adapter = withJwtAccessTokens('ClientCredentials', inner, readJwt);
    expect(await adapter.find('opaque-handle')).toEqual({ jti: 'opaque-handle' });
    expect(inner.asked).toEqual(['opaque-handle']);
  });

  it("never find a JWT among people's AccessTokens, and leave other models alone", async () => {
    const people = recordingAdapter();
    expect(await withJwtAccessTokens('AccessToken', people, readJwt).find(jwt)).toBeUndefined();
    expect(people.asked).toEqual([]);
    const sessions = recordingAdapter();
    expect(withJwtAccessTokens('Session', sessions, readJwt)).toBe(sessions);
    expect(await sessions.find(jwt)).toEqual({ jti: jwt });
  });
});
