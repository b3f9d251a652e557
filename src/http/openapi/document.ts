import { z } from 'zod';
import { ADMIN_SCOPES, type AdminScope } from '../../domain/scopes.ts';
import { errorOutput } from '../../resources/errors.ts';
import { keyScopeOf, operations, type Operation } from './operations.ts';

/**
 * The OpenAPI 3.1 document of the admin API, generated from the operation table and the zod
 * schemas of src/resources (request shapes as they are read, response shapes as the presenters
 * return them), so it cannot drift from what the server validates and answers.
 */

type JsonSchema = Record<string, unknown>;

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest;
};

const SCOPE_DESCRIPTIONS: Record<AdminScope, string> = {
  'keys:read': 'List and read keys, read the rate-limit view and the owner',
  'keys:write': 'Create, update, rotate and delete keys',
  'members:read': 'List members',
  'members:write': 'Add and remove members, grant manage_application_keys (role rules still apply)',
  'settings:write': 'Change names and require_2fa_for_key_managers',
  'stores:write': 'Create stores (organization keys only)',
  'audit:read': 'Read audit events',
};

const header = (description: string, schema: JsonSchema = { type: 'string' }) => ({ description, schema });
const headers = {
  'Cache-Control': header('Always `no-store`: no /v2 answer may be cached.', {
    type: 'string',
    const: 'no-store',
  }),
  'RateLimit-Policy': header(
    'The pools that apply to the caller (IETF httpapi RateLimit headers): its key\'s reservation, if any, and the owner\'s shared pool, each q requests per w = 1 second, e.g. `"key";q=10;w=1, "shared";q=90;w=1`.',
  ),
  RateLimit: header(
    'The state of the pool charged: r requests remaining, t seconds to reset, e.g. `"shared";r=41;t=1`.',
  ),
  'Retry-After': header('Seconds to wait before retrying.', { type: 'string', pattern: '^[0-9]+$' }),
  'WWW-Authenticate': header('`Bearer realm="appkeys"`.'),
};
const ref = (kind: 'headers' | 'responses' | 'schemas', name: string) => ({
  $ref: `#/components/${kind}/${name}`,
});
const noStore = { 'Cache-Control': { ...ref('headers', 'Cache-Control'), required: true } } as Record<
  string,
  unknown
>;
const rateLimitHeaders = {
  'RateLimit-Policy': ref('headers', 'RateLimit-Policy'),
  RateLimit: ref('headers', 'RateLimit'),
};

const errorResponse = (description: string, extra: Record<string, unknown> = {}) => ({
  description,
  headers: { ...noStore, ...extra },
  content: { 'application/json': { schema: ref('schemas', 'Error') } },
});
const errorResponses = {
  BadRequest: errorResponse(
    'Malformed input: bad JSON, wrong types, unknown fields, a bad query parameter or path.',
  ),
  Unauthorized: errorResponse('A missing, invalid, expired or revoked token.', {
    'WWW-Authenticate': { ...ref('headers', 'WWW-Authenticate'), required: true },
  }),
  Forbidden: errorResponse(
    "Authenticated, but not allowed (code `insufficient_scope` when a key's token lacks the scope).",
  ),
  NotFound: errorResponse("No such resource, or one outside the caller's reach."),
  Conflict: errorResponse(
    "In conflict with the current state: a duplicate, a reservation or limit beyond the owner's rate_limit, too many keys.",
  ),
  TooManyRequests: errorResponse(
    "Rate limited: the owner's pools are spent (with RateLimit-Policy and RateLimit naming the pool), or too many refused requests.",
    { 'Retry-After': { ...ref('headers', 'Retry-After'), required: true }, ...rateLimitHeaders },
  ),
  ServiceUnavailable: errorResponse('The database is unavailable or the owner is busy; retry later.', {
    'Retry-After': { ...ref('headers', 'Retry-After'), required: true },
  }),
};

/** `/v2/stores/:ownerId` -> `/v2/stores/{ownerId}`. */
export const openApiPath = (routerPath: string) => routerPath.replace(/:(\w+)/g, '{$1}');
const pathParams = (routerPath: string) => [...routerPath.matchAll(/:(\w+)/g)].map((m) => m[1] ?? '');

function parameters(operation: Operation) {
  const path = pathParams(operation.path).map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string', minLength: 1 },
  }));
  if (!operation.query) return path;
  // values as the server reads them (whole numbers with bounds and defaults); required as sent
  const read = jsonSchema(operation.query, 'output') as { properties?: Record<string, JsonSchema> };
  const sent = jsonSchema(operation.query, 'input') as { required?: string[] };
  const query = Object.entries(read.properties ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: (sent.required ?? []).includes(name),
    schema,
  }));
  return [...path, ...query];
}

function security(operation: Operation) {
  const { access } = operation;
  if (access === 'public') return [];
  if (access === 'people') return [{ person: ['admin'] }];
  const scope = keyScopeOf(access);
  return [
    ...(scope !== null ? [{ application_key: [scope] }] : []),
    ...(access.keysOnly ? [] : [{ person: ['admin'] }]),
  ];
}

function responses(operation: Operation) {
  const { success } = operation;
  const successHeaders = { ...noStore, ...(operation.charged ? rateLimitHeaders : {}) };
  const answer = {
    description: success.description,
    headers: successHeaders,
    ...(success.schema && {
      content: { 'application/json': { schema: jsonSchema(success.schema, 'output') } },
    }),
    ...(!success.schema &&
      success.status !== 204 && { content: { 'application/json': { schema: { type: 'object' } } } }),
  };
  const all: Record<string, unknown> = { [success.status]: answer };
  if (operation.access === 'public') return all;
  const hasPathParams = pathParams(operation.path).length > 0;
  const errors = new Set(operation.errors ?? []);
  if (hasPathParams || operation.query || operation.body) errors.add(400);
  if (errors.has(400)) all['400'] = ref('responses', 'BadRequest');
  all['401'] = ref('responses', 'Unauthorized');
  all['403'] = ref('responses', 'Forbidden');
  if (hasPathParams) all['404'] = ref('responses', 'NotFound');
  if (errors.has(409)) all['409'] = ref('responses', 'Conflict');
  all['429'] = ref('responses', 'TooManyRequests');
  all['503'] = ref('responses', 'ServiceUnavailable');
  return all;
}

const capitalised = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
/** `getStoresByOwnerIdApplicationKeysByKeyId`: the method, then the path's words. */
const operationId = (operation: Operation) =>
  operation.method +
  operation.path
    .replace(/^\/v2/, '')
    .split(/[/.-]/)
    .filter(Boolean)
    .map((part) => (part.startsWith(':') ? `By${capitalised(part.slice(1))}` : capitalised(part)))
    .join('');

/** The document for a server whose issuer (and token endpoint) is `issuer`. */
export function openApiDocument(issuer: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
    const item = (paths[openApiPath(operation.path)] ??= {});
    item[operation.method] = {
      operationId: operationId(operation),
      summary: operation.summary,
      security: security(operation),
      parameters: parameters(operation),
      ...(operation.body && {
        requestBody: {
          required: true,
          content: { 'application/json': { schema: jsonSchema(operation.body, 'input') } },
        },
      }),
      responses: responses(operation),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'appkeys admin API',
      version: '2',
      description:
        'Organizations, stores, their application keys, members, rate limits and audit trails. Every answer carries `Cache-Control: no-store`. Errors are `{"errors": [{status, title, detail, code}]}`.',
    },
    servers: [{ url: issuer }],
    paths,
    components: {
      schemas: { Error: jsonSchema(errorOutput, 'output') },
      headers,
      responses: errorResponses,
      securitySchemes: {
        application_key: {
          type: 'oauth2',
          description:
            "An application key's client_credentials token (client_secret_basic or client_secret_post). An organization key acts as Org Admin of the organization and its stores, a store key as Store Admin of its store, within the token's scopes.",
          flows: {
            clientCredentials: {
              tokenUrl: `${issuer}/token`,
              scopes: Object.fromEntries(ADMIN_SCOPES.map((scope) => [scope, SCOPE_DESCRIPTIONS[scope]])),
            },
          },
        },
        person: {
          type: 'oauth2',
          description:
            'A person signs in with the authorization code flow with PKCE (S256 required), as the public client `appkeys-console` (loopback redirect URIs for tools), and acts with their own memberships.',
          flows: {
            authorizationCode: {
              authorizationUrl: `${issuer}/auth`,
              tokenUrl: `${issuer}/token`,
              scopes: { openid: 'Sign in', admin: 'Act on the admin API with your own rights' },
            },
          },
        },
      },
    },
  };
}
