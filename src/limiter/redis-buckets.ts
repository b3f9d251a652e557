import type { Redis } from 'ioredis';
import type { Decision, OwnerLimits } from './gcra.ts';
import { DECIDE_SCRIPT, PUBLISH_SCRIPT, redisKeys } from './redis-script.ts';

type ScriptReply = [number, number, number, number, number, number, number];

type LimiterCommands = {
  appkeysDecide(
    config: string,
    key: string,
    shared: string,
    keyId: string,
    cost: number,
    mode: string,
    keyDebtUs: number,
    sharedDebtUs: number,
  ): Promise<ScriptReply>;
  appkeysPublish(config: string, ...args: Array<string | number>): Promise<number>;
};

/** Debts (µs) to add to an owner's buckets before deciding: see DECIDE_SCRIPT. */
export type Debts = { keyUs: number; sharedUs: number };

/** How long an owner's configuration lives in Redis unless published again (see README "Limits heal"). */
export const DEFAULT_CONFIG_TTL_MS = 30_000;

/** The cluster-wide buckets: one script call (EVALSHA) per decision. */
export function createRedisBuckets(redis: Redis, options: { configTtlMs?: number } = {}) {
  const configTtlMs = options.configTtlMs ?? DEFAULT_CONFIG_TTL_MS;
  redis.defineCommand('appkeysDecide', { numberOfKeys: 3, lua: DECIDE_SCRIPT });
  redis.defineCommand('appkeysPublish', { numberOfKeys: 1, lua: PUBLISH_SCRIPT });
  const commands = redis as unknown as LimiterCommands;

  return {
    /** The decision, or undefined when Redis holds no configuration for the owner. */
    async decide(
      owner: string,
      keyId: string,
      cost: number,
      debts: Debts = { keyUs: 0, sharedUs: 0 },
    ): Promise<Decision | undefined> {
      const keys = redisKeys(owner, keyId);
      const [status, pool, remaining, resetUs, retryUs, keyQuota, sharedQuota] = await commands.appkeysDecide(
        keys.config,
        keys.key,
        keys.shared,
        keyId,
        cost,
        'consume',
        Math.round(debts.keyUs),
        Math.round(debts.sharedUs),
      );
      if (status === -1) return undefined;
      return {
        allowed: status === 1,
        pool: pool === 1 ? 'key' : 'shared',
        remaining,
        resetUs,
        retryAfterUs: retryUs,
        keyQuota,
        sharedQuota,
      };
    },

    /** Current use of the shared pool and of one key's reservation, or undefined without configuration. */
    async usage(owner: string, keyId: string): Promise<{ key: number; shared: number } | undefined> {
      const keys = redisKeys(owner, keyId);
      const [status, , key, shared] = await commands.appkeysDecide(
        keys.config,
        keys.key,
        keys.shared,
        keyId,
        0,
        'peek',
        0,
        0,
      );
      return status === -1 ? undefined : { key, shared };
    },

    /**
     * Writes an owner's limits with the configuration TTL. `replace` for a change; `fill` after a
     * miss (writes only if the hash is still missing). Resolves whether it wrote.
     */
    async publish(
      owner: string,
      limits: OwnerLimits,
      mode: 'replace' | 'fill' = 'replace',
    ): Promise<boolean> {
      const pairs = [...limits.reservations].flatMap(([keyId, rate]) => [keyId, rate]);
      const written = await commands.appkeysPublish(
        redisKeys(owner, '').config,
        configTtlMs,
        mode,
        limits.limit,
        limits.reserved,
        ...pairs,
      );
      return written === 1;
    },
  };
}

export type RedisBuckets = ReturnType<typeof createRedisBuckets>;
