import { z } from 'zod';
import {
  createKeyInput,
  keyOutput,
  keyWithSecretOutput,
  listKeysQuery,
  updateKeyInput,
} from '../../resources/application-keys.ts';
import { list, single, singleWithWarnings } from '../../resources/shapes.ts';
import { ownerRoutes } from '../owner-routes.ts';
import type { Operation } from './operation.ts';

/** Where the key routes are mounted: under each owner, and for the calling key's own owner. */
const keyMounts = [
  ...ownerRoutes.map(({ prefix, type }) => ({ prefix: `/v2${prefix}`, of: `the ${type}`, keysOnly: false })),
  { prefix: '/v2', of: "the calling key's owner", keysOnly: true },
];

/** The key operations under one mount. */
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

export const keyOperationsOfAllMounts = (): Operation[] =>
  keyMounts.flatMap(({ prefix, of, keysOnly }) => keyOperations(prefix, of, keysOnly));
