import { actorRef, type Actor } from './actors.ts';
import type { DomainDeps } from './context.ts';
import type { Target } from './permissions.ts';
import { authorize } from './authorize.ts';
import { resolveOwner } from './owners.ts';
import type { AuditAction, AuditEvent, OwnerRef, Page } from './types.ts';

/** Records who changed what; `changes` holds before/after of plain fields, never a secret. */
export function createAudit(deps: Pick<DomainDeps, 'repos' | 'clock' | 'newId'>) {
  return {
    async record(
      actor: Actor,
      scope: Target,
      action: AuditAction,
      target: AuditEvent['target'],
      changes: AuditEvent['changes'] = {},
    ): Promise<void> {
      await deps.repos.auditEvents.insert({
        id: deps.newId(),
        owner: scope.owner,
        organizationId: scope.organizationId,
        actor: actorRef(actor),
        action,
        target,
        changes,
        createdAt: deps.clock(),
      });
    },
  };
}

export type Audit = ReturnType<typeof createAudit>;

/** The before/after pairs of the fields in `next` that differ from `previous`. */
export function diff<T extends object>(previous: T, next: Partial<T>): AuditEvent['changes'] {
  const changes: AuditEvent['changes'] = {};
  for (const [field, value] of Object.entries(next) as Array<[keyof T & string, unknown]>) {
    if (value !== undefined && JSON.stringify(previous[field]) !== JSON.stringify(value))
      changes[field] = { from: previous[field], to: value };
  }
  return changes;
}

/** Reading the audit trail of an owner, newest first. */
export function createAuditLog(deps: Pick<DomainDeps, 'repos'>) {
  return {
    async list(actor: Actor, ref: OwnerRef, page: Page) {
      await authorize(actor, 'audit.read', await resolveOwner(deps.repos, ref));
      return deps.repos.auditEvents.listByOwner(ref, page);
    },
  };
}
