import { AppError } from '../errors.ts';
import { actorRef, type Actor } from './actors.ts';
import { createAudit, diff } from './audit.ts';
import { authorize } from './authorize.ts';
import { limitsLease, type DomainDeps } from './context.ts';
import { resolveOwner, type ResolvedOwner } from './owners.ts';
import { createKeyScopeRules } from './key-scopes.ts';
import type { Action } from './permissions.ts';
import { DuplicateNameError } from './ports.ts';
import { clientIdFor } from './secrets.ts';
import { poolWarnings, reservationConflict, sumReserved } from './reservations.ts';
import type { ApplicationKey, OwnerRef, Page, TokenFormat } from './types.ts';

export type KeyInput = {
  name: string;
  reservedRateLimit?: number;
  allowedOrigins?: string[];
  /** Absent: every admin scope the maker holds, and no resource scope. */
  scopes?: string[];
  /** Absent: `opaque`. */
  tokenFormat?: TokenFormat;
};
export type KeyChanges = Partial<KeyInput>;

/** A change's result: the key, the plaintext secret where one was just made, and warnings. */
export type KeyResult = { key: ApplicationKey; secret?: string; warnings: string[] };

const duplicateName = (owner: ResolvedOwner, name: string) =>
  new AppError(
    'conflict',
    `The ${owner.owner.type} already has an application key named ${JSON.stringify(name)}.`,
  );

/**
 * Application keys: create, change, rotate, delete and list. Reservation changes run under the
 * owner's lease: the reserved sum is computed from the keys themselves, checked against the owner's
 * current rate_limit, and written, with no other reservation change of that owner in between.
 */
export function createApplicationKeys(deps: DomainDeps) {
  const { repos, leases, secrets, clock } = deps;
  const audit = createAudit(deps);
  const scopeRules = createKeyScopeRules(() => repos.resourceServers.registeredScopes());

  async function ownerFor(actor: Actor, ref: OwnerRef, action: Action): Promise<ResolvedOwner> {
    const owner = await resolveOwner(repos, ref);
    await authorize(actor, action, owner);
    return owner;
  }

  /**
   * Runs `write` under the owner's lease. Every change of an owner's keys takes it: reservations
   * need the check-then-write to be atomic, and on FerretDB v1 two concurrent updates of one
   * document could otherwise lose one another. When `requested` is given (a reservation for key
   * `exceptId`, or a new key), it is checked against the limit first and warnings are returned.
   * A new key (`isNew`) is also counted against MAX_KEYS_PER_OWNER under the same lease, so
   * concurrent creates cannot pass the limit together.
   */
  async function underOwnerLease<T>(
    owner: OwnerRef,
    requested: number | undefined,
    exceptId: string | undefined,
    write: () => Promise<T>,
    isNew = false,
  ): Promise<{ result: T; warnings: string[] }> {
    return leases.run(limitsLease(owner), async () => {
      if (requested === undefined) return { result: await write(), warnings: [] };
      const current = await resolveOwner(repos, owner);
      const keys = await repos.applicationKeys.allOfOwner(owner);
      if (isNew && keys.length >= deps.maxKeysPerOwner)
        throw new AppError(
          'conflict',
          `The ${owner.type} already has ${keys.length} application keys, the most one owner may have (MAX_KEYS_PER_OWNER is ${deps.maxKeysPerOwner}); delete unused keys first.`,
        );
      const reservedByOthers = sumReserved(keys, exceptId);
      const conflict = reservationConflict({
        ownerType: owner.type,
        rateLimit: current.rateLimit,
        reservedByOthers,
        requested,
      });
      if (conflict) throw new AppError('conflict', conflict);
      const result = await write();
      // still under the lease, so that publications reach the limiter in the order of the writes
      await deps.onLimitsChanged?.(owner);
      return { result, warnings: poolWarnings(current.rateLimit, reservedByOthers + requested) };
    });
  }

  /** The key as stored now (under the lease); 404 when a concurrent request deleted it. */
  async function stillThere(ref: OwnerRef, keyId: string): Promise<ApplicationKey> {
    const current = await repos.applicationKeys.findById(keyId);
    if (!current) throw new AppError('not_found', `No application key ${keyId} of ${ref.type} ${ref.id}.`);
    return current;
  }

  async function keyOf(
    actor: Actor,
    ref: OwnerRef,
    keyId: string,
    action: Action,
  ): Promise<{ owner: ResolvedOwner; key: ApplicationKey }> {
    const owner = await ownerFor(actor, ref, action);
    const key = await repos.applicationKeys.findById(keyId);
    if (!key || key.owner.type !== ref.type || key.owner.id !== ref.id)
      throw new AppError('not_found', `No application key ${keyId} of ${ref.type} ${ref.id}.`);
    return { owner, key };
  }

  /**
   * The no-escalation check again under the owner's lease, on the key as it is now: a concurrent
   * change could have widened it since it was first read (or deleted it).
   */
  async function assertStillHeld(
    actor: Actor,
    owner: ResolvedOwner,
    keyId: string,
    verb: string,
  ): Promise<ApplicationKey> {
    const current = await stillThere(owner.owner, keyId);
    scopeRules.assertHoldsKeyScopes(actor, owner, current.scopes, verb);
    return current;
  }

  return {
    async create(actor: Actor, ref: OwnerRef, input: KeyInput): Promise<KeyResult> {
      const owner = await ownerFor(actor, ref, 'keys.manage');
      const scopes = await scopeRules.grantable(actor, owner, input.scopes);
      const now = clock();
      const { secret, hash } = secrets.newSecret();
      const id = deps.newId();
      const key: ApplicationKey = {
        id,
        owner: ref,
        organizationId: owner.organizationId,
        name: input.name,
        clientId: clientIdFor('application_key', id),
        secretHash: hash,
        reservedRateLimit: input.reservedRateLimit ?? 0,
        allowedOrigins: input.allowedOrigins ?? [],
        scopes,
        tokenFormat: input.tokenFormat ?? 'opaque',
        createdBy: actorRef(actor),
        createdAt: now,
        updatedAt: now,
        lastUsedAt: null,
      };
      const { warnings } = await underOwnerLease(
        ref,
        key.reservedRateLimit,
        undefined,
        async () => {
          try {
            await repos.applicationKeys.insert(key);
          } catch (error) {
            if (error instanceof DuplicateNameError) throw duplicateName(owner, input.name);
            throw error;
          }
          await audit.record(
            actor,
            owner,
            'application_key.created',
            { type: 'application_key', id: key.id },
            {
              name: { from: null, to: key.name },
              reserved_rate_limit: { from: null, to: key.reservedRateLimit },
              scopes: { from: null, to: key.scopes },
              token_format: { from: null, to: key.tokenFormat },
            },
          );
        },
        true,
      );
      return { key, secret, warnings };
    },

    async get(actor: Actor, ref: OwnerRef, keyId: string): Promise<ApplicationKey> {
      return (await keyOf(actor, ref, keyId, 'keys.read')).key;
    },

    async list(actor: Actor, ref: OwnerRef, page: Page, unusedForDays?: number) {
      await ownerFor(actor, ref, 'keys.read');
      const unusedSince =
        unusedForDays === undefined ? undefined : new Date(clock().getTime() - unusedForDays * 86_400_000);
      const [paged, all] = await Promise.all([
        repos.applicationKeys.listByOwner(ref, page, { unusedSince }),
        repos.applicationKeys.allOfOwner(ref),
      ]);
      return { ...paged, totalReserved: sumReserved(all) };
    },

    async update(actor: Actor, ref: OwnerRef, keyId: string, changes: KeyChanges): Promise<KeyResult> {
      const { owner, key } = await keyOf(actor, ref, keyId, 'keys.manage');
      scopeRules.assertHoldsKeyScopes(actor, owner, key.scopes, 'change');
      const scopes =
        changes.scopes === undefined ? undefined : await scopeRules.grantable(actor, owner, changes.scopes);
      const fields = {
        ...(changes.name !== undefined && { name: changes.name }),
        ...(changes.reservedRateLimit !== undefined && { reservedRateLimit: changes.reservedRateLimit }),
        ...(changes.allowedOrigins !== undefined && { allowedOrigins: changes.allowedOrigins }),
        ...(scopes !== undefined && { scopes }),
        ...(changes.tokenFormat !== undefined && { tokenFormat: changes.tokenFormat }),
      };
      const now = clock();
      const { result: updated, warnings } = await underOwnerLease(
        ref,
        fields.reservedRateLimit,
        key.id,
        async () => {
          // the value the change replaces, read under the lease: the audit event's "from"
          const current = await assertStillHeld(actor, owner, key.id, 'change');
          try {
            await repos.applicationKeys.update(key.id, fields, now);
          } catch (error) {
            if (error instanceof DuplicateNameError) throw duplicateName(owner, changes.name ?? current.name);
            throw error;
          }
          const changed = diff(
            {
              name: current.name,
              reserved_rate_limit: current.reservedRateLimit,
              allowed_origins: current.allowedOrigins,
              scopes: current.scopes,
              token_format: current.tokenFormat,
            },
            {
              name: fields.name,
              reserved_rate_limit: fields.reservedRateLimit,
              allowed_origins: fields.allowedOrigins,
              scopes: fields.scopes,
              token_format: fields.tokenFormat,
            },
          );
          if (Object.keys(changed).length)
            await audit.record(
              actor,
              owner,
              'application_key.updated',
              { type: 'application_key', id: key.id },
              changed,
            );
          return { ...current, ...fields, updatedAt: now };
        },
      );
      return { key: updated, warnings };
    },

    async rotateSecret(actor: Actor, ref: OwnerRef, keyId: string): Promise<KeyResult> {
      const { owner, key } = await keyOf(actor, ref, keyId, 'keys.manage');
      scopeRules.assertHoldsKeyScopes(actor, owner, key.scopes, 'rotate the secret of');
      const { secret, hash } = secrets.newSecret();
      const now = clock();
      const { result: current } = await underOwnerLease(ref, undefined, undefined, async () => {
        const current = await assertStillHeld(actor, owner, key.id, 'rotate the secret of');
        await repos.applicationKeys.update(key.id, { secretHash: hash }, now);
        await audit.record(actor, owner, 'application_key.secret_rotated', {
          type: 'application_key',
          id: key.id,
        });
        return current;
      });
      return { key: { ...current, secretHash: hash, updatedAt: now }, secret, warnings: [] };
    },

    /** Deleting takes power away from nobody but the key, so it needs no scope beyond keys:write. */
    async remove(actor: Actor, ref: OwnerRef, keyId: string): Promise<void> {
      const { owner, key } = await keyOf(actor, ref, keyId, 'keys.manage');
      await underOwnerLease(ref, undefined, undefined, async () => {
        const current = await stillThere(ref, key.id);
        await repos.applicationKeys.remove(key.id);
        if (current.reservedRateLimit > 0) await deps.onLimitsChanged?.(ref);
        await audit.record(
          actor,
          owner,
          'application_key.deleted',
          { type: 'application_key', id: key.id },
          {
            name: { from: current.name, to: null },
            reserved_rate_limit: { from: current.reservedRateLimit, to: null },
          },
        );
      });
      await repos.tokens.revokeAllOfClient(key.clientId);
    },

    /** The owner's limit and reservations: totals over all its keys, the keys themselves one page at a time. */
    async rateLimitView(actor: Actor, ref: OwnerRef, page: Page) {
      const owner = await resolveOwner(repos, ref);
      await authorize(actor, 'rate_limit.read', owner);
      // bounded by MAX_KEYS_PER_OWNER
      const all = await repos.applicationKeys.allOfOwner(ref);
      const reserved = sumReserved(all);
      return {
        rateLimit: owner.rateLimit,
        reserved,
        sharedPool: owner.rateLimit - reserved,
        keys: all.slice(page.offset, page.offset + page.limit),
        total: all.length,
      };
    },
  };
}

export type ApplicationKeys = ReturnType<typeof createApplicationKeys>;
