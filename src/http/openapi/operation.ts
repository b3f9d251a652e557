import type { z } from 'zod';
import { ACTION_SCOPES, type Action } from '../../domain/permissions.ts';

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
   * `public`: no token. `people`: a person's token only. Otherwise the action, whose scope
   * (ACTION_SCOPES) a key's token needs (actions without a scope are for operators); `keysOnly`
   * for the compatibility paths, which act for the calling key's own owner.
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

/** The admin scope a key's token needs for an operation, or null when no key may call it. */
export const keyScopeOf = (access: Operation['access']) =>
  typeof access === 'object' ? ACTION_SCOPES[access.action] : null;
