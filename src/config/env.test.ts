import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './env.ts';

describe('loadConfig', () => {
  it('runs on embedded defaults with no variables set', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config).toMatchObject({
      port: 3000,
      issuer: 'http://localhost:3000',
      dataDir: path.resolve('/srv/app', 'data'),
      keysDir: path.resolve('/srv/app', 'keys'),
      mongodbUri: undefined,
      redisUrl: undefined,
      logLevel: 'info',
      accessTokenTtl: 3600,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('derives the issuer from PORT and strips a trailing slash from ISSUER', () => {
    expect(loadConfig({ PORT: '8080' }).issuer).toBe('http://localhost:8080');
    expect(loadConfig({ ISSUER: 'https://auth.example.com/' }).issuer).toBe('https://auth.example.com');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ MONGODB_URI: '', REDIS_URL: '' })).toMatchObject({
      mongodbUri: undefined,
      redisUrl: undefined,
    });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['ISSUER', 'ftp://example.com'],
    ['LOG_LEVEL', 'loud'],
    ['ACCESS_TOKEN_TTL', '5'],
    ['MONGODB_URI', 'postgres://x'],
    ['REDIS_URL', 'http://x'],
    ['SERVER_SECRET', 'short'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid configuration: ${name}: `));
  });

  it('never echoes the value of a variable that may hold credentials', () => {
    try {
      loadConfig({ MONGODB_URI: 'postgres://user:hunter2@db', SERVER_SECRET: 'hunter3' });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).toMatch(/MONGODB_URI/);
      expect(String(error)).toMatch(/SERVER_SECRET/);
      expect(String(error)).not.toMatch(/hunter/);
    }
  });
});

describe('TRUST_PROXY, METRICS_PORT, METRICS_HOST, MAX_KEYS_PER_OWNER', () => {
  it('has safe defaults: trust no proxy, metrics on 127.0.0.1:9464, 1000 keys per owner', () => {
    expect(loadConfig({})).toMatchObject({
      trustProxy: { kind: 'none' },
      metricsPort: 9464,
      metricsHost: '127.0.0.1',
      maxKeysPerOwner: 1000,
    });
  });

  it('reads a hop count or a list of addresses and CIDRs', () => {
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toEqual({ kind: 'none' });
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toEqual({ kind: 'hops', hops: 2 });
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.7,fd00::/8' }).trustProxy).toEqual({
      kind: 'cidrs',
      cidrs: [
        { address: '10.0.0.0', prefix: 8, family: 'ipv4' },
        { address: '192.168.1.7', prefix: 32, family: 'ipv4' },
        { address: 'fd00::', prefix: 8, family: 'ipv6' },
      ],
    });
  });

  it.each([
    ['TRUST_PROXY', 'true'],
    ['TRUST_PROXY', '11'],
    ['TRUST_PROXY', '10.0.0.0/33'],
    ['TRUST_PROXY', '10.0.0/8'],
    ['TRUST_PROXY', '10.0.0.0/8,'],
    ['METRICS_PORT', '-1'],
    ['METRICS_HOST', 'a b'],
    ['MAX_KEYS_PER_OWNER', '0'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid configuration: ${name}: `));
  });
});

describe('WORKERS and the client cache', () => {
  it('defaults to one process and a 10,000-client cache living 30 s while subscribed', () => {
    expect(loadConfig({})).toMatchObject({
      workers: 1,
      clientCacheSize: 10_000,
      clientCacheTtlMs: 30_000,
      tokenCacheSize: 10_000,
    });
    expect(loadConfig({ TOKEN_CACHE_SIZE: '0' }).tokenCacheSize).toBe(0);
  });

  it('takes several workers only with REDIS_URL, since the limiter must be shared', () => {
    expect(loadConfig({ WORKERS: '2', REDIS_URL: 'redis://127.0.0.1:6379' }).workers).toBe(2);
    expect(() => loadConfig({ WORKERS: '2' })).toThrow(ConfigError);
    expect(() => loadConfig({ WORKERS: '2' })).toThrow(/^Invalid configuration: WORKERS: .*REDIS_URL/);
  });

  it.each([
    ['WORKERS', '0'],
    ['WORKERS', 'many'],
    ['CLIENT_CACHE_SIZE', '0'],
    ['CLIENT_CACHE_TTL_MS', '10'],
    ['TOKEN_CACHE_SIZE', '-1'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid configuration: ${name}: `));
  });
});
