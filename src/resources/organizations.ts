import { z } from 'zod';
import type { Organization } from '../domain/types.ts';
import { envelope, iso, name, rateLimit, timestampsMeta } from './shapes.ts';

/** An organization: inputs, what the API answers, and the presenter that produces it. */
export const createOrganizationInput = envelope({ name, rate_limit: rateLimit });
export const updateOrganizationInput = envelope({ name: name.optional(), rate_limit: rateLimit.optional() });

export const organizationOutput = z.object({
  id: z.string(),
  type: z.literal('organization'),
  name: z.string(),
  rate_limit: z.number().int().min(1),
  meta: timestampsMeta,
});

export function presentOrganization(organization: Organization): z.output<typeof organizationOutput> {
  return {
    id: organization.id,
    type: 'organization',
    name: organization.name,
    rate_limit: organization.rateLimit,
    meta: {
      timestamps: { created_at: iso(organization.createdAt), updated_at: iso(organization.updatedAt) },
    },
  };
}
