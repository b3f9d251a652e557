import { z } from 'zod';
import type { Domain } from '../domain/index.ts';
import { passwordProblem } from '../domain/users.ts';
import type { OwnerRef, Role, TokenFormat } from '../domain/types.ts';
import { presentKey, tokenFormat } from '../resources/application-keys.ts';
import { email, presentMembership, role } from '../resources/memberships.ts';
import { presentOrganization } from '../resources/organizations.ts';
import { presentResourceServer, resourceServerFields } from '../resources/resource-servers.ts';
import {
  commaList,
  name,
  rateLimit,
  reservedRateLimit,
  scopeList,
  withWarnings,
} from '../resources/shapes.ts';
import { presentStore } from '../resources/stores.ts';
import { presentUser } from '../resources/users.ts';

const cli = { kind: 'cli' } as const;
const integer = z
  .string()
  .regex(/^-?\d+$/, 'must be a whole number')
  .transform(Number);

const owner = z
  .object({ org: z.string().min(1).optional(), store: z.string().min(1).optional() })
  .refine((o) => (o.org === undefined) !== (o.store === undefined), {
    message: 'give exactly one of --org and --store',
    path: ['org'],
  })
  .transform((o): OwnerRef =>
    o.org ? { type: 'organization', id: o.org } : { type: 'store', id: o.store ?? '' },
  );

/**
 * Each command: its flags (for parseArgs), a zod schema of their values (a failure is a usage
 * error), and what it does with the domain. The result is printed as JSON on stdout.
 */
export const commands = {
  'user create': {
    flags: {
      email: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      operator: { type: 'boolean' },
    },
    /** main.ts reads the password (standard input or a prompt) into `password` before parsing. */
    readsPassword: true,
    schema: z.object({
      email,
      'password-stdin': z.boolean().optional(),
      password: z.string().superRefine((value, ctx) => {
        const problem = passwordProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
      operator: z.boolean().optional(),
    }),
    run: async (domain: Domain, v: { email: string; password: string; operator?: boolean }) => {
      const user = await domain.users.create(cli, v);
      return { data: presentUser(user) };
    },
  },
  'member add': {
    flags: {
      org: { type: 'string' },
      store: { type: 'string' },
      email: { type: 'string' },
      role: { type: 'string' },
    },
    schema: z.object({ email, role }).and(
      z
        .object({ org: z.string().optional(), store: z.string().optional() })
        .pipe(owner)
        .transform((ref) => ({ ref })),
    ),
    run: async (domain: Domain, v: { email: string; role: Role; ref: OwnerRef }) => ({
      data: presentMembership(await domain.memberships.add(cli, v.ref, { email: v.email, role: v.role })),
    }),
  },
  'org create': {
    flags: { name: { type: 'string' }, 'rate-limit': { type: 'string' } },
    schema: z.object({ name, 'rate-limit': integer.pipe(rateLimit) }),
    run: async (domain: Domain, v: { name: string; 'rate-limit': number }) => ({
      data: presentOrganization(
        await domain.organizations.createOrganization(cli, { name: v.name, rateLimit: v['rate-limit'] }),
      ),
    }),
  },
  'store create': {
    flags: { org: { type: 'string' }, name: { type: 'string' }, 'rate-limit': { type: 'string' } },
    schema: z.object({ org: z.string().min(1), name, 'rate-limit': integer.pipe(rateLimit) }),
    run: async (domain: Domain, v: { org: string; name: string; 'rate-limit': number }) => ({
      data: presentStore(
        await domain.organizations.createStore(cli, v.org, { name: v.name, rateLimit: v['rate-limit'] }),
      ),
    }),
  },
  'key create': {
    flags: {
      org: { type: 'string' },
      store: { type: 'string' },
      name: { type: 'string' },
      'reserved-rate-limit': { type: 'string' },
      scopes: { type: 'string' },
      'token-format': { type: 'string' },
    },
    schema: z
      .object({
        name,
        'reserved-rate-limit': integer.pipe(reservedRateLimit).optional(),
        scopes: commaList.pipe(scopeList).optional(),
        'token-format': tokenFormat.optional(),
      })
      .and(
        z
          .object({ org: z.string().optional(), store: z.string().optional() })
          .pipe(owner)
          .transform((ref) => ({ ref })),
      ),
    run: async (
      domain: Domain,
      v: {
        name: string;
        'reserved-rate-limit'?: number;
        scopes?: string[];
        'token-format'?: TokenFormat;
        ref: OwnerRef;
      },
    ) => {
      const { key, secret, warnings } = await domain.applicationKeys.create(cli, v.ref, {
        name: v.name,
        reservedRateLimit: v['reserved-rate-limit'],
        scopes: v.scopes,
        tokenFormat: v['token-format'],
      });
      return { data: presentKey(key, secret), ...withWarnings(warnings) };
    },
  },
  'resource-server create': {
    flags: { name: { type: 'string' }, scopes: { type: 'string' } },
    schema: z.object({
      name: resourceServerFields.name,
      scopes: commaList.pipe(resourceServerFields.scopes).optional(),
    }),
    run: async (domain: Domain, v: { name: string; scopes?: string[] }) => {
      const { server, secret } = await domain.resourceServers.create(cli, v.name, v.scopes ?? []);
      return { data: presentResourceServer(server, secret) };
    },
  },
} as const;

export type CommandName = keyof typeof commands;
