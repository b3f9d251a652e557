import { z } from 'zod';
import type { Store } from '../domain/types.ts';
import { envelope, iso, name, rateLimit, timestampsMeta } from './shapes.ts';

/** A store of an organization: inputs, what the API answers, and the presenter that produces it. */
export const createStoreInput = envelope({ name, rate_limit: rateLimit });
export const updateStoreInput = envelope({
  name: name.optional(),
  rate_limit: rateLimit.optional(),
  require_2fa_for_key_managers: z.boolean().optional(),
});

export const storeOutput = z.object({
  id: z.string(),
  type: z.literal('store'),
  organization_id: z.string(),
  name: z.string(),
  rate_limit: z.number().int().min(1),
  require_2fa_for_key_managers: z.boolean(),
  meta: timestampsMeta,
});

export function presentStore(store: Store): z.output<typeof storeOutput> {
  return {
    id: store.id,
    type: 'store',
    organization_id: store.organizationId,
    name: store.name,
    rate_limit: store.rateLimit,
    require_2fa_for_key_managers: store.requireTwoFactorForKeyManagers,
    meta: { timestamps: { created_at: iso(store.createdAt), updated_at: iso(store.updatedAt) } },
  };
}
