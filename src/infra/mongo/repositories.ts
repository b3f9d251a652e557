import type { mongo } from 'mongoose';
import { DuplicateNameError, type Repositories } from '../../domain/ports.ts';
import type { OwnerRef } from '../../domain/types.ts';
import { parseClientId } from '../../domain/secrets.ts';
import { collectionName } from '../../oauth/adapter-models.ts';
import {
  fromApplicationKey,
  toApplicationKey,
  toOrganization,
  toResourceServer,
  toStore,
  toStoredFields,
  toUser,
  toMembership,
} from './mappers.ts';
import { createAuditEvents } from './audit-events.ts';
import type { ApplicationKeyDoc, Models, ResourceServerDoc } from './models.ts';

/** MongoDB's duplicate-key error; FerretDB v1 reports a unique violation on update as an InternalError. */
const isDuplicateKey = (error: unknown) => {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    code === 11000 ||
    (code === 1 && typeof message === 'string' && message.includes('UNIQUE constraint failed'))
  );
};
const ownerFilter = (owner: OwnerRef) => ({ 'owner.type': owner.type, 'owner.id': owner.id });
const membershipKey = (owner: OwnerRef, userId: string) => `${owner.type}:${owner.id}:${userId}`;

async function insertOrDuplicate(insert: () => Promise<unknown>): Promise<void> {
  try {
    await insert();
  } catch (error) {
    if (isDuplicateKey(error)) throw new DuplicateNameError('duplicate', { cause: error });
    throw error;
  }
}

/** The domain's repositories over mongoose models (lean reads, snake_case documents). */
export function createRepositories(models: Models, db: mongo.Db): Repositories {
  const {
    Organization,
    Store,
    ApplicationKey,
    KeyUsage,
    ResourceServer,
    AuditEvent,
    User,
    UserEmail,
    TotpUsedCode,
    Membership,
  } = models;

  /** Names by id, from the rows of one `find` (skipped when there are no ids). */
  async function namesOf(ids: string[], find: () => Promise<Array<{ _id: unknown; name: unknown }>>) {
    if (!ids.length) return new Map<string, string>();
    return new Map((await find()).map((row) => [String(row._id), String(row.name)]));
  }

  async function withUsage(rows: Array<Parameters<typeof toApplicationKey>[0]>) {
    if (!rows.length) return [];
    const usage = await KeyUsage.find({ _id: { $in: rows.map((row) => String(row._id)) } }).lean();
    const lastUsed = new Map(usage.map((u) => [String(u._id), u.last_used_at]));
    return rows.map((row) => toApplicationKey(row, lastUsed.get(String(row._id)) ?? null));
  }

  // the client lookups of the token and introspection paths read through the driver: mongoose's
  // query layer (casting, hooks) cost more than the read itself there, and these rows need no schema
  const keyRows = db.collection<ApplicationKeyDoc>(ApplicationKey.collection.collectionName);
  const resourceServerRows = db.collection<ResourceServerDoc>(ResourceServer.collection.collectionName);

  async function allOfOwner(owner: OwnerRef) {
    return withUsage(await ApplicationKey.find(ownerFilter(owner)).sort({ created_at: 1, _id: 1 }).lean());
  }
  return {
    organizations: {
      async insert(o) {
        await Organization.create({
          _id: o.id,
          name: o.name,
          rate_limit: o.rateLimit,
          created_at: o.createdAt,
          updated_at: o.updatedAt,
        });
      },
      async findById(id) {
        const row = await Organization.findById(id).lean();
        return row ? toOrganization(row) : undefined;
      },
      namesOf: (ids) =>
        namesOf(ids, () => Organization.find({ _id: { $in: ids } }, { _id: 1, name: 1 }).lean()),
      async update(id, fields, at) {
        await Organization.updateOne({ _id: id }, { $set: { ...toStoredFields(fields), updated_at: at } });
      },
    },
    stores: {
      async insert(s) {
        await Store.create({
          _id: s.id,
          organization_id: s.organizationId,
          name: s.name,
          rate_limit: s.rateLimit,
          created_at: s.createdAt,
          updated_at: s.updatedAt,
        });
      },
      namesOf: (ids) => namesOf(ids, () => Store.find({ _id: { $in: ids } }, { _id: 1, name: 1 }).lean()),
      async findById(id) {
        const row = await Store.findById(id).lean();
        return row ? toStore(row) : undefined;
      },
      async listByOrganization(organizationId, page) {
        const [rows, total] = await Promise.all([
          Store.find({ organization_id: organizationId })
            .sort({ created_at: 1, _id: 1 })
            .skip(page.offset)
            .limit(page.limit)
            .lean(),
          Store.countDocuments({ organization_id: organizationId }),
        ]);
        return { items: rows.map(toStore), total };
      },
      async update(id, fields, at) {
        await Store.updateOne({ _id: id }, { $set: { ...toStoredFields(fields), updated_at: at } });
      },
    },
    applicationKeys: {
      insert: (key) => insertOrDuplicate(() => ApplicationKey.create(fromApplicationKey(key))),
      async findById(id) {
        const row = await ApplicationKey.findById(id).lean();
        return row ? (await withUsage([row]))[0] : undefined;
      },
      async findByClientId(clientId) {
        const parsed = parseClientId(clientId);
        if (parsed?.kind !== 'application_key') return undefined;
        const row = await ApplicationKey.findById(parsed.id).lean();
        return row?.client_id === clientId ? (await withUsage([row]))[0] : undefined;
      },
      async findClientByClientId(clientId) {
        const parsed = parseClientId(clientId);
        if (parsed?.kind !== 'application_key') return undefined;
        const row = await keyRows.findOne({ _id: parsed.id });
        return row?.client_id === clientId ? toApplicationKey(row, null) : undefined;
      },
      async listByOwner(owner, page, filter) {
        const { unusedSince } = filter;
        if (unusedSince) {
          // usage lives in its own collection: filter the owner's keys in memory
          const unused = (await allOfOwner(owner)).filter(
            (key) => (key.lastUsedAt ?? key.createdAt).getTime() <= unusedSince.getTime(),
          );
          return { items: unused.slice(page.offset, page.offset + page.limit), total: unused.length };
        }
        const [rows, total] = await Promise.all([
          ApplicationKey.find(ownerFilter(owner))
            .sort({ created_at: 1, _id: 1 })
            .skip(page.offset)
            .limit(page.limit)
            .lean(),
          ApplicationKey.countDocuments(ownerFilter(owner)),
        ]);
        return { items: await withUsage(rows), total };
      },
      allOfOwner,
      update: (id, fields, at) =>
        insertOrDuplicate(() =>
          ApplicationKey.updateOne({ _id: id }, { $set: { ...toStoredFields(fields), updated_at: at } }),
        ),
      async remove(id) {
        await ApplicationKey.deleteOne({ _id: id });
        await KeyUsage.deleteOne({ _id: id });
      },
      async touch(id, at) {
        await KeyUsage.replaceOne({ _id: id }, { last_used_at: at }, { upsert: true });
      },
    },
    users: {
      async insert(user) {
        // claim the email first: the insert into user_emails (_id = lower-cased email) is atomic
        await insertOrDuplicate(() => UserEmail.create({ _id: user.email.toLowerCase(), user_id: user.id }));
        await User.create({
          _id: user.id,
          email: user.email,
          password_hash: user.passwordHash,
          operator: user.operator,
          totp_secret: user.totpSecret,
          totp_enrolled: user.totpEnrolled,
          totp_pending_secret: user.totpPendingSecret,
          totp_last_step: user.totpLastStep,
          created_at: user.createdAt,
        });
      },
      async findById(id) {
        const row = await User.findById(id).lean();
        return row ? toUser(row) : undefined;
      },
      async findByEmail(email) {
        const claim = await UserEmail.findById(email.toLowerCase()).lean();
        const row = claim ? await User.findById(claim.user_id).lean() : null;
        return row ? toUser(row) : undefined;
      },
      async withSecondFactor(ids) {
        if (!ids.length) return new Set();
        const rows = await User.find({ _id: { $in: ids }, totp_enrolled: true }, { _id: 1 }).lean();
        return new Set(rows.map((row) => String(row._id)));
      },
      async update(id, fields) {
        await User.updateOne({ _id: id }, { $set: toStoredFields(fields) });
      },
    },
    totpCodes: {
      async claim(userId, step, at) {
        try {
          await insertOrDuplicate(() =>
            TotpUsedCode.create({ _id: `${userId}:${step}`, user_id: userId, step, used_at: at }),
          );
          return true;
        } catch (error) {
          if (error instanceof DuplicateNameError) return false;
          throw error;
        }
      },
      async forgetBefore(userId, step) {
        await TotpUsedCode.deleteMany({ user_id: userId, step: { $lt: step } });
      },
    },
    memberships: {
      async insert(m) {
        await insertOrDuplicate(() =>
          Membership.create({
            _id: membershipKey(m.owner, m.userId),
            id: m.id,
            user_id: m.userId,
            email: m.email,
            owner: m.owner,
            organization_id: m.organizationId,
            role: m.role,
            manage_application_keys: m.permissions.manageApplicationKeys,
            created_at: m.createdAt,
          }),
        );
      },
      async find(owner, userId) {
        const row = await Membership.findById(membershipKey(owner, userId)).lean();
        return row ? toMembership(row) : undefined;
      },
      async listByOwner(owner, page) {
        const [rows, total] = await Promise.all([
          Membership.find(ownerFilter(owner))
            .sort({ created_at: 1, _id: 1 })
            .skip(page.offset)
            .limit(page.limit)
            .lean(),
          Membership.countDocuments(ownerFilter(owner)),
        ]);
        return { items: rows.map(toMembership), total };
      },
      async listByUser(userId) {
        return (await Membership.find({ user_id: userId }).sort({ created_at: 1 }).lean()).map(toMembership);
      },
      async setPermissions(id, permissions) {
        await Membership.updateOne(
          { id },
          { $set: { manage_application_keys: permissions.manageApplicationKeys } },
        );
      },
      async remove(id) {
        await Membership.deleteOne({ id });
      },
    },
    resourceServers: {
      async insert(s) {
        await ResourceServer.create({
          _id: s.id,
          name: s.name,
          client_id: s.clientId,
          secret_hash: s.secretHash,
          scopes: s.scopes,
          created_at: s.createdAt,
        });
      },
      async registeredScopes() {
        const scopes = (await ResourceServer.distinct('scopes')) as unknown[];
        return new Set(scopes.filter((scope): scope is string => typeof scope === 'string'));
      },
      async findByClientId(clientId) {
        const parsed = parseClientId(clientId);
        if (parsed?.kind !== 'resource_server') return undefined;
        const row = await resourceServerRows.findOne({ _id: parsed.id });
        return row?.client_id === clientId ? toResourceServer(row) : undefined;
      },
    },
    auditEvents: createAuditEvents(AuditEvent),
    tokens: {
      async revokeAllOfClient(clientId) {
        for (const model of ['ClientCredentials', 'AccessToken', 'RefreshToken', 'AuthorizationCode']) {
          await db.collection(collectionName(model)).deleteMany({ 'payload.clientId': clientId });
        }
      },
    },
  };
}
