import { describe, expect, it } from 'vitest';
import { ADMIN_SCOPES_OF, isRegistrableResourceScope, missingScopes, normalizeScopes } from './scopes.ts';

describe('scope vocabulary', () => {
  it('gives store keys every admin scope but stores:write', () => {
    expect(ADMIN_SCOPES_OF.store).not.toContain('stores:write');
    expect(ADMIN_SCOPES_OF.organization).toContain('stores:write');
    expect(ADMIN_SCOPES_OF.organization.length - ADMIN_SCOPES_OF.store.length).toBe(1);
  });

  it('orders admin scopes canonically, then resource scopes by name, without duplicates', () => {
    expect(normalizeScopes(['orders:write', 'audit:read', 'keys:read', 'audit:read', 'billing:pay'])).toEqual(
      ['keys:read', 'audit:read', 'billing:pay', 'orders:write'],
    );
  });

  it('lists what is missing in the order asked', () => {
    expect(missingScopes(['members:write', 'keys:read', 'audit:read'], new Set(['keys:read']))).toEqual([
      'members:write',
      'audit:read',
    ]);
  });

  it.each([
    ['orders:read', true],
    ['orders.v2:bulk_write', true],
    ['Orders:read', false],
    ['orders', false],
    ['orders:read:all', false],
    ['keys:read', false],
    ['keys:delete', false],
    ['audit:write', false],
    ['storefront', false],
    ['admin', false],
    ['', false],
  ])('%j may be registered by a resource server: %s', (scope, expected) => {
    expect(isRegistrableResourceScope(scope)).toBe(expected);
  });
});
