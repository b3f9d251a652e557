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
  ): Promise<ScriptReply>;
  appkeysPublish(config: string, ...args: Array<string | number>): Promise<number>;
};

/** The cluster-wide buckets: one script call (EVALSHA) per decision. */
export function createRedisBuckets(redis: Redis) {
  redis.defineCommand('appkeysDecide', { numberOfKeys: 3, lua: DECIDE_SCRIPT });
  redis.defineCommand('appkeysPublish', { numberOfKeys: 1, lua: PUBLISH_SCRIPT });
  const commands = redis as unknown as LimiterCommands;

  return {
    /** The decision, or undefined when Redis holds no configuration for the owner. */
    async decide(owner: string, keyId: string, cost: number): Promise<Decision | undefined> {
      const keys = redisKeys(owner, keyId);
      const [status, pool, remaining, resetUs, retryUs, keyQuota, sharedQuota] = await commands.appkeysDecide(
        keys.config,
        keys.key,
        keys.shared,
        keyId,
        cost,
        'consume',
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
      );
      return status === -1 ? undefined : { key, shared };
    },

    async publish(owner: string, limits: OwnerLimits): Promise<void> {
      const pairs = [...limits.reservations].flatMap(([keyId, rate]) => [keyId, rate]);
      await commands.appkeysPublish(redisKeys(owner, '').config, limits.limit, limits.reserved, ...pairs);
    },
  };
}

export type RedisBuckets = ReturnType<typeof createRedisBuckets>;
