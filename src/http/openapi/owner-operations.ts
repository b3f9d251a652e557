import { auditEventOutput } from '../../resources/audit-events.ts';
import { addMemberInput, membershipOutput, setPermissionsInput } from '../../resources/memberships.ts';
import { rateLimitViewOutput } from '../../resources/rate-limit.ts';
import { list, pageQuery, single, singleWithWarnings } from '../../resources/shapes.ts';
import { ownerRoutes } from '../owner-routes.ts';
import type { Operation } from './operation.ts';

/** The rate-limit view, audit trail and members of one owner type. */
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
      body: addMemberInput,
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

export const ownerOperationsOfAllTypes = (): Operation[] =>
  ownerRoutes.flatMap(({ prefix, type }) => ownerOperations(`/v2${prefix}`, type));
