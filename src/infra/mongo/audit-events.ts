import type { Repositories } from '../../domain/ports.ts';
import type { OwnerRef } from '../../domain/types.ts';
import { toAuditEvent } from './mappers.ts';
import type { Models } from './models.ts';

const ownerFilter = (owner: OwnerRef) => ({ 'owner.type': owner.type, 'owner.id': owner.id });
const isDuplicateKey = (error: unknown) => {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    code === 11000 ||
    (code === 1 && typeof message === 'string' && message.includes('UNIQUE constraint failed'))
  );
};

/**
 * The audit trail. Timestamps tie and clocks of instances differ, so events are ordered by a
 * per-owner sequence instead: the last one plus one, inserted under a unique index on
 * (owner, seq). The insert is atomic on MongoDB and FerretDB alike (an update with $inc is not on
 * FerretDB v1), so two writers can never share a number: the loser of a race reads again and
 * takes the next. Writers that describe a change of keys or limits hold the owner's lease, so
 * the sequence follows the order of those changes.
 */
export function createAuditEvents(AuditEvent: Models['AuditEvent']): Repositories['auditEvents'] {
  return {
    async insert(e) {
      for (let attempt = 0; ; attempt++) {
        const last = await AuditEvent.findOne(ownerFilter(e.owner), { seq: 1 }).sort({ seq: -1 }).lean();
        const seq = (last?.seq ?? 0) + 1;
        try {
          await AuditEvent.create({
            _id: e.id,
            owner: e.owner,
            organization_id: e.organizationId,
            actor: e.actor,
            action: e.action,
            target: e.target,
            changes: e.changes,
            created_at: e.createdAt,
            seq,
          });
          return seq;
        } catch (error) {
          if (!isDuplicateKey(error) || attempt >= 50) throw error;
        }
      }
    },
    async listByOwner(owner, page) {
      const [rows, total] = await Promise.all([
        AuditEvent.find(ownerFilter(owner)).sort({ seq: -1 }).skip(page.offset).limit(page.limit).lean(),
        AuditEvent.countDocuments(ownerFilter(owner)),
      ]);
      return { items: rows.map(toAuditEvent), total };
    },
  };
}

/**
 * Numbers events written before the sequence existed (in the order of their timestamps), so the
 * unique index on (owner, seq) can be built over an existing database. Runs at start-up, before
 * the indexes; a no-op once every event has its number.
 */
export async function backfillAuditSequences(AuditEvent: Models['AuditEvent']): Promise<void> {
  const unnumbered = await AuditEvent.find({ seq: { $exists: false } }, { owner: 1 })
    .sort({ created_at: 1, _id: 1 })
    .lean();
  const next = new Map<string, number>();
  for (const row of unnumbered) {
    const key = `${row.owner.type}:${row.owner.id}`;
    let seq = next.get(key);
    if (seq === undefined) {
      const last = await AuditEvent.findOne({ ...ownerFilter(row.owner as OwnerRef), seq: { $exists: true } })
        .sort({ seq: -1 })
        .lean();
      seq = last?.seq ?? 0;
    }
    next.set(key, ++seq);
    await AuditEvent.updateOne({ _id: row._id }, { $set: { seq } });
  }
}
