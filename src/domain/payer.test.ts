import { describe, expect, it } from 'vitest';
import type { Actor, MembershipGrant } from './actors.ts';
import { payerOf } from './payer.ts';
import type { Target } from './permissions.ts';

const store = (id: string, organizationId = 'org-1'): Target => ({
  owner: { type: 'store', id },
  organizationId,
});
const organization = (id: string): Target => ({ owner: { type: 'organization', id }, organizationId: id });
const person = (memberships: MembershipGrant[], operator = false): Actor => ({
  kind: 'user',
  userId: 'u',
  operator,
  totpEnrolled: false,
  signedInWithSecondFactor: false,
  authTime: undefined,
  memberships,
});
const grant = (owner: MembershipGrant['owner'], role: MembershipGrant['role']): MembershipGrant => ({
  owner,
  organizationId: owner.type === 'organization' ? owner.id : 'org-1',
  role,
  manageApplicationKeys: false,
});

describe('payerOf', () => {
  it('charges a key (and its storefront tokens) to its own reservation and owner, whatever the target', () => {
    const owner = { type: 'organization', id: 'org-1' } as const;
    const key: Actor = {
      kind: 'application_key',
      keyId: 'k',
      owner,
      organizationId: 'org-1',
      scopes: new Set(),
    };
    const storefront: Actor = { kind: 'storefront', keyId: 'k', owner, organizationId: 'org-1' };
    expect(payerOf(key, store('s-1'))).toEqual({ owner: { type: 'organization', id: 'org-1' }, keyId: 'k' });
    expect(payerOf(storefront, undefined)).toEqual({ owner, keyId: 'k' });
  });

  it("charges a person to the store of their store role, or else their organization's shared pool", () => {
    const both = person([
      grant({ type: 'organization', id: 'org-1' }, 'org_admin'),
      grant({ type: 'store', id: 's-1' }, 'store_admin'),
    ]);
    expect(payerOf(both, store('s-1'))).toEqual({ owner: { type: 'store', id: 's-1' }, keyId: '' });
    expect(payerOf(both, store('s-2'))).toEqual({ owner: { type: 'organization', id: 'org-1' }, keyId: '' });
    expect(payerOf(both, organization('org-1'))).toEqual({
      owner: { type: 'organization', id: 'org-1' },
      keyId: '',
    });
  });

  it('charges no owner a person does not belong to (operators, other tenants), nor the CLI', () => {
    const member = person([grant({ type: 'store', id: 's-1' }, 'store_member')]);
    expect(payerOf(member, store('s-9', 'org-9'))).toBeUndefined();
    expect(payerOf(member, organization('org-1'))).toBeUndefined();
    expect(payerOf(person([], true), store('s-1'))).toBeUndefined();
    expect(payerOf({ kind: 'cli' }, store('s-1'))).toBeUndefined();
    expect(payerOf(member, undefined)).toBeUndefined();
  });
});
