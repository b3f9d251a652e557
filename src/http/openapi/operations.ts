import {
  createOrganizationInput,
  organizationOutput,
  updateOrganizationInput,
} from '../../resources/organizations.ts';
import { list, pageQuery, single, singleWithWarnings } from '../../resources/shapes.ts';
import { createStoreInput, storeOutput, updateStoreInput } from '../../resources/stores.ts';
import {
  changePasswordInput,
  meOutput,
  totpConfirmedOutput,
  totpEnrolmentOutput,
  verifyTotpInput,
} from '../../resources/users.ts';
import { keyOperationsOfAllMounts } from './key-operations.ts';
import type { Operation } from './operation.ts';
import { ownerOperationsOfAllTypes } from './owner-operations.ts';

export { keyScopeOf, type Operation } from './operation.ts';

/** Every operation of the admin API (see operation.ts); test/openapi.test.ts checks it against the routers. */
export const operations: Operation[] = [
  {
    method: 'get',
    path: '/v2/openapi.json',
    summary: 'This document',
    access: 'public',
    success: { status: 200, description: 'The OpenAPI 3.1 document of the admin API' },
  },
  {
    method: 'post',
    path: '/v2/organizations',
    summary: 'Create an organization (operators)',
    access: { action: 'organization.create' },
    body: createOrganizationInput,
    success: { status: 201, description: 'The organization', schema: single(organizationOutput) },
    errors: [400],
  },
  {
    method: 'get',
    path: '/v2/organizations/:orgId',
    summary: 'Read an organization',
    access: { action: 'organization.read' },
    success: { status: 200, description: 'The organization', schema: single(organizationOutput) },
    charged: true,
  },
  {
    method: 'patch',
    path: '/v2/organizations/:orgId',
    summary: 'Rename an organization, or (operators) change its rate_limit',
    access: { action: 'organization.update' },
    body: updateOrganizationInput,
    success: { status: 200, description: 'The organization', schema: singleWithWarnings(organizationOutput) },
    errors: [400, 409],
    charged: true,
  },
  {
    method: 'post',
    path: '/v2/organizations/:orgId/stores',
    summary: 'Create a store of an organization',
    access: { action: 'store.create' },
    body: createStoreInput,
    success: { status: 201, description: 'The store', schema: single(storeOutput) },
    errors: [400],
    charged: true,
  },
  {
    method: 'get',
    path: '/v2/organizations/:orgId/stores',
    summary: "List an organization's stores",
    access: { action: 'organization.read' },
    query: pageQuery,
    success: { status: 200, description: 'A page of stores', schema: list(storeOutput) },
    errors: [400],
    charged: true,
  },
  {
    method: 'get',
    path: '/v2/stores/:storeId',
    summary: 'Read a store',
    access: { action: 'store.read' },
    success: { status: 200, description: 'The store', schema: single(storeOutput) },
    charged: true,
  },
  {
    method: 'patch',
    path: '/v2/stores/:storeId',
    summary:
      'Rename a store, set require_2fa_for_key_managers (store owners and operators), or (operators) its rate_limit',
    access: { action: 'store.update' },
    body: updateStoreInput,
    success: { status: 200, description: 'The store', schema: singleWithWarnings(storeOutput) },
    errors: [400, 409],
    charged: true,
  },
  ...keyOperationsOfAllMounts(),
  ...ownerOperationsOfAllTypes(),
  {
    method: 'get',
    path: '/v2/me',
    summary: 'The signed-in person and their memberships',
    access: 'people',
    success: { status: 200, description: 'The person', schema: single(meOutput) },
  },
  {
    method: 'post',
    path: '/v2/me/password',
    summary: 'Change your password',
    access: 'people',
    body: changePasswordInput,
    success: { status: 204, description: 'Changed' },
    errors: [400],
  },
  {
    method: 'post',
    path: '/v2/me/totp',
    summary: 'Enrol (or replace) a TOTP second factor (needs a sign-in within the last 5 minutes)',
    access: 'people',
    success: { status: 201, description: 'The secret to confirm', schema: single(totpEnrolmentOutput) },
  },
  {
    method: 'post',
    path: '/v2/me/totp/verify',
    summary: 'Confirm the second factor being enrolled with a code',
    access: 'people',
    body: verifyTotpInput,
    success: { status: 200, description: 'Enrolled', schema: single(totpConfirmedOutput) },
    errors: [400, 409],
  },
];
