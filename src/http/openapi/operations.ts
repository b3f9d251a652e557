import { z } from 'zod';
import { ACTION_SCOPES, type Action } from '../../domain/permissions.ts';
import {
  createKeyInput,
  keyOutput,
  keyWithSecretOutput,
  listKeysQuery,
  updateKeyInput,
} from '../../resources/application-keys.ts';
import { auditEventOutput } from '../../resources/audit-events.ts';
import { addMemberInput, membershipOutput, setPermissionsInput } from '../../resources/memberships.ts';
import {
  createOrganizationInput,
  organizationOutput,
  updateOrganizationInput,
} from '../../resources/organizations.ts';
import { rateLimitViewOutput } from '../../resources/rate-limit.ts';
import { list, pageQuery, single, singleWithWarnings } from '../../resources/shapes.ts';
import { createStoreInput, storeOutput, updateStoreInput } from '../../resources/stores.ts';
import {
  changePasswordInput,
  meOutput,
  totpConfirmedOutput,
  totpEnrolmentOutput,
  verifyTotpInput,
} from '../../resources/users.ts';
import { ownerRoutes } from '../owner-routes.ts';

/**
 * Every operation of the admin API as the OpenAPI document describes it: the route as the router
 * registers it, who may call it (the action whose scope a key's token needs, or people only), its
 * query and body shapes, its answers, and the errors it can answer. The shapes are the ones the
 * routes validate with and the presenters are typed by (src/resources); test/openapi.test.ts
 * checks this table against the routers both ways.
 */
export type Operation = {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** As registered in the router: `/v2/stores/:ownerId/rate-limit`. */
  path: string;
  summary: string;
  /**
   * `public`: no token. `people`: a person's token only. `key-owner`: the calling key's own
   * owner (keys only). Otherwise the action, whose scope (ACTION_SCOPES) a key's token needs;
   * actions without a scope are for operators.
   */
  access: 'public' | 'people' | { action: Action; keysOnly?: boolean };
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The successful answer: its status and body shape (none for 204). */
  success: { status: 200 | 201 | 204; description: string; schema?: z.ZodType };
  /** Error statuses besides those every authenticated operation can answer. */
  errors?: Array<400 | 409>;
  /** Charged to an owner's pools: sends RateLimit-Policy and RateLimit, may answer 429 for them. */
  charged?: boolean;
};

const keyMounts = [
  ...ownerRoutes.map(({ prefix, type }) => ({ prefix: `/v2${prefix}`, of: `the ${type}`, keysOnly: false })),
  { prefix: '/v2', of: "the calling key's owner", keysOnly: true },
];

function keyOperations(prefix: string, of: string, keysOnly: boolean): Operation[] {
  const collection = `${prefix}/application-keys`;
  const item = `${collection}/:keyId`;
  const read = { action: 'keys.read' as const, keysOnly };
  const manage = { action: 'keys.manage' as const, keysOnly };
  const update = (method: 'put' | 'patch'): Operation => ({
    method,
    path: item,
    summary: `Update an application key of ${of} (only the fields sent)`,
    access: manage,
    body: updateKeyInput,
    success: { status: 200, description: 'The key', schema: singleWithWarnings(keyOutput) },
    errors: [400, 409],
    charged: true,
  });
  return [
    {
      method: 'post',
      path: collection,
      summary: `Create an application key of ${of}`,
      access: manage,
      body: createKeyInput,
      success: {
        status: 201,
        description: 'The key, with its client secret (shown once)',
        schema: singleWithWarnings(keyWithSecretOutput),
      },
      errors: [400, 409],
      charged: true,
    },
    {
      method: 'get',
      path: collection,
      summary: `List the application keys of ${of}`,
      access: read,
      query: listKeysQuery,
      success: {
        status: 200,
        description: 'A page of keys',
        schema: list(keyOutput, { total_reserved_rate_limit: z.number().int().min(0) }),
      },
      errors: [400],
      charged: true,
    },
    {
      method: 'get',
      path: item,
      summary: `Read an application key of ${of}`,
      access: read,
      success: { status: 200, description: 'The key', schema: single(keyOutput) },
      charged: true,
    },
    update('put'),
    update('patch'),
    {
      method: 'delete',
      path: item,
      summary: `Delete an application key of ${of} (its tokens stop working at once)`,
      access: manage,
      success: { status: 204, description: 'Deleted' },
      charged: true,
    },
    {
      method: 'post',
      path: `${item}/rotate-secret`,
      summary: `Give an application key of ${of} a new client secret (live tokens stay valid)`,
      access: manage,
      success: {
        status: 200,
        description: 'The key, with its new client secret',
        schema: single(keyWithSecretOutput),
      },
      charged: true,
    },
  ];
}

function ownerOperations(prefix: string, type: 'organization' | 'store'): Operation[] {
  const members = `${prefix}/members`;
  return [
    {
      method: 'get',
      path: `${prefix}/rate-limit`,
      summary: `The ${type}'s rate limit, reservations and this second's use (keys paginated)`,
      access: { action: 'rate_limit.read' },
      query: pageQuery,
      success: { status: 200, description: 'The rate-limit view', schema: rateLimitViewOutput },
      errors: [400],
      charged: true,
    },
    {
      method: 'get',
      path: `${prefix}/audit-events`,
      summary: `The ${type}'s audit trail, newest first`,
      access: { action: 'audit.read' },
      query: pageQuery,
      success: { status: 200, description: 'A page of audit events', schema: list(auditEventOutput) },
      errors: [400],
      charged: true,
    },
    {
      method: 'post',
      path: members,
      summary: `Add an existing user as a member of the ${type}`,
      access: { action: 'members.manage' },
      body: addMemberInput[type],
      success: { status: 201, description: 'The membership', schema: single(membershipOutput) },
      errors: [400, 409],
      charged: true,
    },
    {
      method: 'get',
      path: members,
      summary: `List the ${type}'s members`,
      access: { action: 'members.read' },
      query: pageQuery,
      success: { status: 200, description: 'A page of memberships', schema: list(membershipOutput) },
      errors: [400],
      charged: true,
    },
    {
      method: 'delete',
      path: `${members}/:userId`,
      summary: `Remove a member from the ${type} (their access ends at once)`,
      access: { action: 'members.manage' },
      success: { status: 204, description: 'Removed' },
      charged: true,
    },
    ...(type === 'store'
      ? [
          {
            method: 'put',
            path: `${members}/:userId/permissions`,
            summary: 'Grant or revoke manage_application_keys (store owners)',
            access: { action: 'permissions.grant' },
            body: setPermissionsInput,
            success: {
              status: 200,
              description: 'The membership',
              schema: singleWithWarnings(membershipOutput),
            },
            errors: [400],
            charged: true,
          } satisfies Operation,
        ]
      : []),
  ];
}

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
  ...keyMounts.flatMap(({ prefix, of, keysOnly }) => keyOperations(prefix, of, keysOnly)),
  ...ownerRoutes.flatMap(({ prefix, type }) => ownerOperations(`/v2${prefix}`, type)),
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

/** The admin scope a key's token needs for an operation, or null when no key may call it. */
export const keyScopeOf = (access: Operation['access']) =>
  typeof access === 'object' ? ACTION_SCOPES[access.action] : null;
