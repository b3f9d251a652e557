import path from 'node:path';
import { z } from 'zod';
import { trustProxySchema, type TrustProxy } from './trust-proxy.ts';

const port = z.coerce.number().int().min(0).max(65535);
const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

/** Environment variables the server reads, with their defaults. DESIGN.md section 4. */
export const envSchema = z.object({
  PORT: port.default(3000),
  ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  MONGODB_URI: optionalString.pipe(
    z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
      .optional(),
  ),
  REDIS_URL: optionalString.pipe(
    z
      .string()
      .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
      .optional(),
  ),
  KEYS_DIR: z.string().min(1).default('./keys'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SIGNING_KEYS: optionalString,
  SERVER_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  FERRETDB_BIN: optionalString,
  ACCESS_TOKEN_TTL: z.coerce.number().int().min(60).max(86_400).default(3600),
  EXPECTED_INSTANCES: z.coerce.number().int().min(1).max(1000).default(2),
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(5).max(10_000).default(100),
  // at most 30 s, so that a lost publication is healed within 60 s (README "Limits heal")
  REDIS_LIMITS_TTL_MS: z.coerce.number().int().min(100).max(30_000).default(30_000),
  TRUST_PROXY: trustProxySchema,
  /** The Prometheus listener; 0 picks a free port. */
  METRICS_PORT: port.default(9464),
  METRICS_HOST: z
    .string()
    .trim()
    .min(1)
    .regex(/^[\w.:-]+$/, 'must be a host name or an IP address')
    .default('127.0.0.1'),
  MAX_KEYS_PER_OWNER: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  /** Most clients (keys, resource servers) held in each process's client cache. */
  CLIENT_CACHE_SIZE: z.coerce.number().int().min(1).max(10_000_000).default(10_000),
  /** Lifetime of a cached client while Redis invalidations are subscribed (1 s otherwise). */
  CLIENT_CACHE_TTL_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
  /** Most keys' opaque tokens held in each process's token cache; 0 turns the cache off. */
  TOKEN_CACHE_SIZE: z.coerce.number().int().min(0).max(10_000_000).default(10_000),
  /** Server processes (node:cluster) sharing the port; more than one needs the shared limiter. */
  WORKERS: z.coerce.number().int().min(1).max(64).default(1),
});

/** Values never echoed back in error messages: they may hold credentials. */
const secretVariables = new Set(['MONGODB_URI', 'REDIS_URL', 'SIGNING_KEYS', 'SERVER_SECRET']);

export type Env = z.infer<typeof envSchema>;

export type Config = Readonly<{
  port: number;
  issuer: string;
  dataDir: string;
  mongodbUri: string | undefined;
  redisUrl: string | undefined;
  keysDir: string;
  logLevel: Env['LOG_LEVEL'];
  signingKeys: string | undefined;
  serverSecret: string | undefined;
  ferretdbBin: string | undefined;
  accessTokenTtl: number;
  expectedInstances: number;
  redisCommandTimeoutMs: number;
  redisLimitsTtlMs: number;
  trustProxy: TrustProxy;
  metricsPort: number;
  metricsHost: string;
  maxKeysPerOwner: number;
  clientCacheSize: number;
  clientCacheTtlMs: number;
  tokenCacheSize: number;
  workers: number;
}>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses and freezes the configuration; a bad value throws a ConfigError naming the variable. */
export function loadConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const messages = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const shown = secretVariables.has(name) ? '' : ` (got ${JSON.stringify(env[name])})`;
      return `${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError(`Invalid configuration: ${messages.join('; ')}`);
  }
  const e = parsed.data;
  if (e.WORKERS > 1 && !e.REDIS_URL)
    throw new ConfigError(
      `Invalid configuration: WORKERS: ${e.WORKERS} workers need REDIS_URL (the rate limiter and throttles must be shared between them)`,
    );
  return Object.freeze({
    port: e.PORT,
    issuer: (e.ISSUER ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    dataDir: path.resolve(cwd, e.DATA_DIR),
    mongodbUri: e.MONGODB_URI,
    redisUrl: e.REDIS_URL,
    keysDir: path.resolve(cwd, e.KEYS_DIR),
    logLevel: e.LOG_LEVEL,
    signingKeys: e.SIGNING_KEYS,
    serverSecret: e.SERVER_SECRET,
    ferretdbBin: e.FERRETDB_BIN,
    accessTokenTtl: e.ACCESS_TOKEN_TTL,
    expectedInstances: e.EXPECTED_INSTANCES,
    redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    redisLimitsTtlMs: e.REDIS_LIMITS_TTL_MS,
    trustProxy: e.TRUST_PROXY,
    metricsPort: e.METRICS_PORT,
    metricsHost: e.METRICS_HOST,
    maxKeysPerOwner: e.MAX_KEYS_PER_OWNER,
    clientCacheSize: e.CLIENT_CACHE_SIZE,
    clientCacheTtlMs: e.CLIENT_CACHE_TTL_MS,
    tokenCacheSize: e.TOKEN_CACHE_SIZE,
    workers: e.WORKERS,
  });
}
