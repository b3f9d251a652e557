import { describe, expect, it } from 'vitest';
import type { Actor } from './actors.ts';
import { decide, heldAdminScopes, type Action, type Target } from './permissions.ts';
import { ADMIN_SCOPES, ADMIN_SCOPES_OF } from './scopes.ts';

const orgKey: Actor = {
  kind: 'application_key',
  keyId: 'k1',
  owner: { type: 'organization', id: 'o1' },
  organizationId: 'o1',
  scopes: new Set(ADMIN_SCOPES),
};
const storeKey: Actor = {
  kind: 'application_key',
  keyId: 'k2',
  owner: { type: 'store', id: 's1' },
  organizationId: 'o1',
  scopes: new Set(ADMIN_SCOPES_OF.store),
};
const storefront: Actor = {
  kind: 'storefront',
  keyId: 'k3',
  owner: { type: 'store', id: 's1' },
  organizationId: 'o1',
};

const org1: Target = { owner: { type: 'organization', id: 'o1' }, organizationId: 'o1' };
const store1: Target = { owner: { type: 'store', id: 's1' }, organizationId: 'o1' };
const store2: Target = { owner: { type: 'store', id: 's2' }, organizationId: 'o1' };
const otherOrgStore: Target = { owner: { type: 'store', id: 's9' }, organizationId: 'o9' };

describe('permissions of keys', () => {
  it('lets the CLI do everything', () => {
    expect(decide({ kind: 'cli' }, 'organization.create')).toBe('allowed');
    expect(decide({ kind: 'cli' }, 'store.set_rate_limit', store1)).toBe('allowed');
  });

  it.each<[Action, Target, string]>([
    ['keys.manage', org1, 'allowed'],
    ['keys.manage', store1, 'allowed'],
    ['keys.manage', store2, 'allowed'],
    ['store.create', org1, 'allowed'],
    ['organization.update', org1, 'allowed'],
    ['organization.set_rate_limit', org1, 'forbidden'],
    ['store.set_rate_limit', store1, 'forbidden'],
    ['keys.manage', otherOrgStore, 'not_found'],
  ])('an organization key: %s on %o is %s', (action, target, expected) => {
    expect(decide(orgKey, action, target)).toBe(expected);
  });

  it.each<[Action, Target, string]>([
    ['keys.manage', store1, 'allowed'],
    ['store.read', store1, 'allowed'],
    ['rate_limit.read', store1, 'allowed'],
    ['store.set_rate_limit', store1, 'forbidden'],
    ['store.create', store1, 'forbidden'],
    ['keys.manage', store2, 'not_found'],
    ['keys.manage', org1, 'not_found'],
    ['organization.read', org1, 'not_found'],
  ])('a store key: %s on %o is %s', (action, target, expected) => {
    expect(decide(storeKey, action, target)).toBe(expected);
  });

  it('gives storefront tokens and keys no operator rights', () => {
    expect(decide(storefront, 'store.read', store1)).toBe('forbidden');
    expect(decide(storefront, 'keys.manage', store1)).toBe('forbidden');
    expect(decide(orgKey, 'organization.create')).toBe('forbidden');
  });
});

describe('scopes narrow a key within its role', () => {
  const readOnlyStoreKey: Actor = { ...storeKey, scopes: new Set(['keys:read']) } as Actor;

  it.each<[Action, string]>([
    ['keys.read', 'allowed'],
    ['rate_limit.read', 'allowed'],
    ['keys.manage', 'insufficient_scope'],
    ['members.read', 'insufficient_scope'],
    ['audit.read', 'insufficient_scope'],
    ['store.update', 'insufficient_scope'],
  ])('a store key with keys:read only: %s is %s', (action, expected) => {
    expect(decide(readOnlyStoreKey, action, store1)).toBe(expected);
  });

  it('never lets a scope lift a key above its role', () => {
    const widened = { ...storeKey, scopes: new Set(ADMIN_SCOPES) } as Actor;
    expect(decide(widened, 'store.set_rate_limit', store1)).toBe('forbidden');
    expect(decide(widened, 'keys.manage', store2)).toBe('not_found');
  });

  it('says which admin scopes each actor holds', () => {
    const delegate: Actor = {
      kind: 'user',
      userId: 'u1',
      operator: false,
      totpEnrolled: false,
      signedInWithSecondFactor: false,
      authTime: undefined,
      memberships: [
        { owner: store1.owner, organizationId: 'o1', role: 'store_member', manageApplicationKeys: true },
      ],
    };
    expect([...heldAdminScopes(delegate, store1)]).toEqual(['keys:read', 'keys:write']);
    expect([...heldAdminScopes(delegate, store2)]).toEqual([]);
    expect([...heldAdminScopes(readOnlyStoreKey, store1)]).toEqual(['keys:read']);
    expect([...heldAdminScopes(orgKey, store1)]).toEqual([...ADMIN_SCOPES_OF.store]);
    expect([...heldAdminScopes(orgKey, org1)]).toEqual([...ADMIN_SCOPES]);
    expect([...heldAdminScopes({ kind: 'cli' }, org1)]).toEqual([...ADMIN_SCOPES]);
  });
});
