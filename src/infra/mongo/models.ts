import { backfillAuditSequences } from './audit-events.ts';
import { Schema, type Connection, type InferSchemaType } from 'mongoose';

// sub-schemas, because a plain `{type: ...}` object would be read by mongoose as a type declaration
const owner = {
  type: new Schema(
    {
      type: { type: String, enum: ['organization', 'store'], required: true },
      id: { type: String, required: true },
    },
    { _id: false },
  ),
  required: true,
};
const actor = {
  type: new Schema(
    { type: { type: String, required: true }, id: { type: String, default: null } },
    { _id: false },
  ),
  required: true,
};
const target = {
  type: new Schema(
    { type: { type: String, required: true }, id: { type: String, required: true } },
    { _id: false },
  ),
  required: true,
};
const timestamps = { created_at: { type: Date, required: true }, updated_at: { type: Date, required: true } };

const organizationSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    rate_limit: { type: Number, required: true },
    ...timestamps,
  },
  { versionKey: false },
);

const storeSchema = new Schema(
  {
    _id: { type: String, required: true },
    organization_id: { type: String, required: true, index: true },
    name: { type: String, required: true },
    rate_limit: { type: Number, required: true },
    require_2fa_for_key_managers: { type: Boolean, default: false },
    ...timestamps,
  },
  { versionKey: false },
);

const applicationKeySchema = new Schema(
  {
    _id: { type: String, required: true },
    owner,
    organization_id: { type: String, required: true },
    name: { type: String, required: true },
    client_id: { type: String, required: true, unique: true },
    secret_hash: { type: String, required: true },
    reserved_rate_limit: { type: Number, required: true },
    allowed_origins: { type: [String], default: [] },
    // absent on keys made before scopes existed: they hold every admin scope of their owner type
    scopes: { type: [String], default: undefined },
    // absent on keys made before token formats existed: opaque
    token_format: { type: String, enum: ['opaque', 'jwt'], default: undefined },
    created_by: actor,
    ...timestamps,
  },
  { versionKey: false },
);
applicationKeySchema.index(
  { 'owner.type': 1, 'owner.id': 1, name: 1 },
  { unique: true, name: 'owner_name_unique' },
);

/**
 * When each key last minted a token. Kept apart from the key document because FerretDB v1 runs an
 * update as a read and a write of the whole document: a frequent last-used write beside a key
 * change could otherwise write an old secret hash back.
 */
const keyUsageSchema = new Schema(
  { _id: { type: String, required: true }, last_used_at: { type: Date, required: true } },
  { versionKey: false },
);

const userSchema = new Schema(
  {
    _id: { type: String, required: true },
    email: { type: String, required: true },
    password_hash: { type: String, required: true },
    operator: { type: Boolean, default: false },
    totp_secret: { type: String, default: null },
    totp_enrolled: { type: Boolean, default: false },
    totp_pending_secret: { type: String, default: null },
    totp_last_step: { type: Number, default: 0 },
    created_at: { type: Date, required: true },
  },
  { versionKey: false },
);

/** Lower-cased email -> user id: an insert here claims an email atomically and finds users by primary key. */
const userEmailSchema = new Schema(
  { _id: { type: String, required: true }, user_id: { type: String, required: true } },
  { versionKey: false },
);

/**
 * TOTP codes already accepted, `_id` = `${user_id}:${step}`: the insert into the unique `_id`
 * index is the one atomic step on FerretDB v1 too, so of concurrent requests with one code
 * exactly one claims it.
 */
const totpUsedCodeSchema = new Schema(
  {
    _id: { type: String, required: true },
    user_id: { type: String, required: true, index: true },
    step: { type: Number, required: true },
    used_at: { type: Date, required: true },
  },
  { versionKey: false },
);

const membershipSchema = new Schema(
  {
    // `${owner.type}:${owner.id}:${user_id}`: one membership per user and owner, found by primary key
    _id: { type: String, required: true },
    id: { type: String, required: true },
    user_id: { type: String, required: true, index: true },
    email: { type: String, required: true },
    owner,
    organization_id: { type: String, required: true },
    role: { type: String, required: true },
    manage_application_keys: { type: Boolean, default: false },
    created_at: { type: Date, required: true },
  },
  { versionKey: false },
);
membershipSchema.index({ 'owner.type': 1, 'owner.id': 1 });

const resourceServerSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    client_id: { type: String, required: true, unique: true },
    secret_hash: { type: String, required: true },
    scopes: { type: [String], default: [] },
    created_at: { type: Date, required: true },
  },
  { versionKey: false },
);

const auditEventSchema = new Schema(
  {
    _id: { type: String, required: true },
    owner,
    organization_id: { type: String, required: true },
    actor,
    action: { type: String, required: true },
    target,
    changes: { type: Schema.Types.Mixed, default: {} },
    created_at: { type: Date, required: true },
    // the event's place in its owner's trail: 1, 2, 3... (see audit-events.ts)
    seq: { type: Number, required: true },
  },
  { versionKey: false, minimize: false },
);
auditEventSchema.index({ 'owner.type': 1, 'owner.id': 1, seq: -1 }, { unique: true });

export type OrganizationDoc = InferSchemaType<typeof organizationSchema>;
export type StoreDoc = InferSchemaType<typeof storeSchema>;
export type ApplicationKeyDoc = InferSchemaType<typeof applicationKeySchema>;
export type ResourceServerDoc = InferSchemaType<typeof resourceServerSchema>;
export type AuditEventDoc = InferSchemaType<typeof auditEventSchema>;

/** The mongoose models on one connection (no global mongoose models). */
export function createModels(connection: Connection) {
  return {
    Organization: connection.model('Organization', organizationSchema, 'organizations'),
    Store: connection.model('Store', storeSchema, 'stores'),
    ApplicationKey: connection.model('ApplicationKey', applicationKeySchema, 'application_keys'),
    KeyUsage: connection.model('KeyUsage', keyUsageSchema, 'application_key_usage'),
    ResourceServer: connection.model('ResourceServer', resourceServerSchema, 'resource_servers'),
    User: connection.model('User', userSchema, 'users'),
    UserEmail: connection.model('UserEmail', userEmailSchema, 'user_emails'),
    TotpUsedCode: connection.model('TotpUsedCode', totpUsedCodeSchema, 'totp_used_codes'),
    Membership: connection.model('Membership', membershipSchema, 'memberships'),
    AuditEvent: connection.model('AuditEvent', auditEventSchema, 'audit_events'),
  };
}

export type Models = ReturnType<typeof createModels>;

/** Creates the collections' indexes (unique names per owner, unique client ids, lookups). */
export async function ensureModelIndexes(models: Models): Promise<void> {
  await backfillAuditSequences(models.AuditEvent);
  for (const model of Object.values(models)) {
    await model.createCollection().catch(() => undefined);
    await model.createIndexes();
  }
}
