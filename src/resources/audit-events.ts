import { z } from 'zod';
import type { AuditAction, AuditEvent } from '../domain/types.ts';
import { iso, ownerOutput, timestamp } from './shapes.ts';

/** One entry of an owner's audit trail: who did what to which resource, and what changed. */
const AUDIT_ACTIONS = [
  'organization.created',
  'organization.updated',
  'store.created',
  'store.updated',
  'application_key.created',
  'application_key.updated',
  'application_key.secret_rotated',
  'application_key.deleted',
  'resource_server.created',
  'member.added',
  'member.removed',
  'permission.granted',
  'permission.revoked',
] as const satisfies readonly AuditAction[];

export const auditEventOutput = z.object({
  id: z.string(),
  type: z.literal('audit_event'),
  action: z.enum(AUDIT_ACTIONS),
  actor: z.object({ type: z.enum(['user', 'application_key', 'cli']), id: z.string().nullable() }),
  target: z.object({ type: z.string(), id: z.string() }),
  owner: ownerOutput,
  /** Before and after of the fields that changed; never a secret. */
  changes: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })),
  created_at: timestamp,
  /** Its place in the owner's trail: strictly increasing within an owner (0: not yet numbered). */
  sequence: z.number().int().min(0),
});

export function presentAuditEvent(event: AuditEvent): z.output<typeof auditEventOutput> {
  return {
    id: event.id,
    type: 'audit_event',
    action: event.action,
    actor: event.actor,
    target: event.target,
    owner: event.owner,
    changes: event.changes,
    created_at: iso(event.createdAt),
    sequence: event.sequence,
  };
}
