import { chmod, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { mongo } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedFerretdb, type EmbeddedDatabase } from '../src/infra/ferretdb/launch.ts';
import { carriesPatches } from '../src/infra/ferretdb/patch-set.ts';
import { resolveFerretdb } from '../src/infra/ferretdb/resolve-binary.ts';
import { createLogger } from '../src/infra/logger.ts';
import { connectMongo, type Connection } from '../src/infra/mongo/connection.ts';
import { createModels, ensureModelIndexes } from '../src/infra/mongo/models.ts';
import { ensureAdapterIndexes } from '../src/oauth/adapter.ts';

// These tests run their own embedded FerretDB (whatever the run's database is): FERRETDB_BIN when
// set, else the patched build of the project cache.
const logger = createLogger('silent');
const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
let binary: string;
let dataDir: string;
let database: EmbeddedDatabase;
let connection: Connection;
let db: mongo.Db;

beforeAll(async () => {
  binary = await resolveFerretdb(process.env.FERRETDB_BIN, logger);
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'appkeys-embedded-'));
  database = await startEmbeddedFerretdb({ binary, dataDir, logger });
  connection = await connectMongo(database.uri);
  db = connection.db as mongo.Db;
  await ensureModelIndexes(createModels(connection));
  await ensureAdapterIndexes(db);
});

afterAll(async () => {
  await connection?.close();
  await database?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** FerretDB's explain carries SQLite's EXPLAIN QUERY PLAN rows under queryPlanner.Plan. */
async function queryPlan(collection: string, filter: mongo.Document): Promise<string> {
  const explained = await db.command({ explain: { find: collection, filter } });
  return ((explained.queryPlanner as { Plan?: string[] }).Plan ?? []).join('\n');
}

describe('the embedded database (patched FerretDB) searches indexes on the hot paths', () => {
  const hotPaths: [string, string, mongo.Document][] = [
    ['introspection finds a token by _id', 'oidc_access_token', { _id: 'token-id' }],
    ['a client-credentials token by _id', 'oidc_client_credentials', { _id: 'token-id' }],
    ['a client (application key) by _id', 'application_keys', { _id: 'key-id' }],
    ['a resource server by _id', 'resource_servers', { _id: 'rs-id' }],
    ["a key's last use by _id", 'application_key_usage', { _id: 'key-id' }],
    ['the last uses of a page of keys', 'application_key_usage', { _id: { $in: ['k1', 'k2', 'k3'] } }],
    ['a user by _id', 'users', { _id: 'user-id' }],
    ['a user by email (the email claim)', 'user_emails', { _id: 'someone@example.com' }],
    ['a membership by its key', 'memberships', { _id: 'store:s1:user-id' }],
    ['the memberships of a user', 'memberships', { user_id: 'user-id' }],
    [
      'the purge of the records that expired in one minute',
      'oidc_access_token',
      { expiresMinute: '2026-12-03T19:08' },
    ],
    ['a lease by name', 'leases', { _id: 'limits:store:s1' }],
    ['a lease released by its holder', 'leases', { _id: 'limits:store:s1', holder: 'h' }],
  ];

  beforeAll(async () => {
    // a row in each, so each collection exists with its indexes
    for (const [, collection, filter] of hotPaths) {
      const id = typeof filter._id === 'string' ? filter._id : 'k1';
      await db
        .collection(collection)
        .updateOne({ _id: id as never }, { $set: { user_id: 'user-id', holder: 'h' } }, { upsert: true });
    }
  });

  it.each(hotPaths)('%s', async (_what, collection, filter) => {
    const plan = await queryPlan(collection, filter);
    expect(plan).toMatch(/SEARCH \S+ USING INDEX/);
    expect(plan).not.toMatch(/\bSCAN\b/);
  });

  it('still finds documents whose field is an array containing the value', async () => {
    await db
      .collection('memberships')
      .insertOne({ _id: 'array-doc' as never, user_id: ['other', 'array-user'] });
    const found = await db.collection('memberships').find({ user_id: 'array-user' }).toArray();
    expect(found.map((doc) => doc._id)).toEqual(['array-doc']);
  });
});

/** The inodes of the sockets `pid` holds open. */
async function socketInodes(pid: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode) inodes.add(inode);
  }
  return inodes;
}

/** Inodes of listening TCP sockets (state 0A) in /proc/net/tcp and tcp6. */
async function listeningTcpInodes(): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const line of lines) {
      const columns = line.trim().split(/\s+/);
      if (columns[3] === '0A' && columns[9]) inodes.add(columns[9]);
    }
  }
  return inodes;
}

describe('the embedded database listens on a Unix socket only', () => {
  it.runIf(process.platform === 'linux')('opens no TCP listening port', async () => {
    const held = await socketInodes(database.pid);
    expect(held.size).toBeGreaterThan(0);
    const listening = await listeningTcpInodes();
    expect([...held].filter((inode) => listening.has(inode))).toEqual([]);
    const unix = await readFile('/proc/net/unix', 'utf8');
    expect(unix).toContain(database.socket);
  });

  it('keeps its socket inside DATA_DIR, in a directory only its user may enter (0700)', async () => {
    expect(database.socket.startsWith(path.join(dataDir, 'ferretdb') + path.sep)).toBe(true);
    expect((await stat(path.dirname(database.socket))).mode & 0o777).toBe(0o700);
    expect((await stat(database.socket)).isSocket()).toBe(true);
  });

  it('narrows a DATA_DIR/ferretdb that was left open to 0700', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'appkeys-open-'));
    await mkdir(path.join(dir, 'ferretdb'), { mode: 0o755 });
    await chmod(path.join(dir, 'ferretdb'), 0o755);
    const second = await startEmbeddedFerretdb({ binary, dataDir: dir, logger });
    try {
      expect((await stat(path.join(dir, 'ferretdb'))).mode & 0o777).toBe(0o700);
    } finally {
      await second.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('shares one FerretDB with another process of the same DATA_DIR through instance.json', async () => {
    const script = `
      const { startEmbeddedFerretdb } = await import('./src/infra/ferretdb/launch.ts');
      const { createLogger } = await import('./src/infra/logger.ts');
      const other = await startEmbeddedFerretdb({ binary: process.argv[1], dataDir: process.argv[2], logger: createLogger('silent') });
      console.log(JSON.stringify({ uri: other.uri, pid: other.pid }));
      await other.stop();`;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '-e', script, binary, dataDir], {
      cwd: root,
    });
    expect(JSON.parse(stdout)).toEqual({ uri: database.uri, pid: database.pid });
    // the other process did not own it: its stop() left it running
    expect((await db.command({ ping: 1 })).ok).toBe(1);
  });

  it('falls back to a private temporary directory when DATA_DIR is too deep for a socket path', async () => {
    const deep = path.join(
      await mkdtemp(path.join(os.tmpdir(), 'appkeys-deep-')),
      'd'.repeat(60),
      'e'.repeat(60),
    );
    const embedded = await startEmbeddedFerretdb({ binary, dataDir: deep, logger });
    try {
      expect(Buffer.byteLength(embedded.socket)).toBeLessThanOrEqual(107);
      expect(embedded.socket.startsWith(deep)).toBe(false);
      expect((await stat(path.dirname(embedded.socket))).mode & 0o777).toBe(0o700);
      const client = await connectMongo(embedded.uri);
      expect((await client.db!.command({ ping: 1 })).ok).toBe(1);
      await client.close();
    } finally {
      await embedded.stop();
    }
    await expect(stat(path.dirname(embedded.socket))).rejects.toThrow(/ENOENT/);
    await rm(path.dirname(path.dirname(deep)), { recursive: true, force: true });
  });
});

describe('which FerretDB binaries carry our patches', () => {
  it('the build of the project cache carries them', async () => {
    expect(await carriesPatches(await resolveFerretdb(undefined, logger))).toBe(true);
  });

  it('a binary found elsewhere without them runs, with a warning in the log', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'appkeys-bin-'));
    const fake = path.join(dir, 'ferretdb');
    await writeFile(fake, '#!/bin/sh\necho "version: v1.24.1"\necho "package: unknown"\n');
    await chmod(fake, 0o755);
    const lines: string[] = [];
    const capture = createLogger('warn', { write: (line: string) => void lines.push(line) });
    try {
      expect(await resolveFerretdb(fake, capture)).toBe(fake);
      expect(lines.join('')).toMatch(/lacks appkeys' patches/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
