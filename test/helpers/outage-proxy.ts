import net from 'node:net';
import { once } from 'node:events';
import { inject } from 'vitest';
import { freePort } from '../../src/infra/free-port.ts';
import { withDatabaseName } from './database.ts';

export type OutageMode = 'forward' | 'refuse' | 'blackhole';

export type OutageProxy = {
  port: number;
  /**
   * `forward`: relay bytes both ways. `refuse`: stop listening and drop every connection, so
   * connecting fails at once (ECONNREFUSED). `blackhole`: accept connections and swallow what
   * arrives, answering nothing (a frozen host or a firewall dropping packets).
   */
  set(mode: OutageMode): Promise<void>;
  /**
   * While forwarding, a connection on which the client sends bytes that `matches` (a command the
   * test names, say) becomes a black hole from that message on: the command never reaches the
   * database and nothing more is answered on that connection. `undefined` stops watching.
   */
  swallowWhen(matches: ((chunk: Buffer) => boolean) | undefined): void;
  close(): Promise<void>;
};

/** Where a MongoDB URI's (first) server listens: a TCP address, or a Unix socket's path. */
export function serverOf(uri: string): net.NetConnectOpts {
  const authority = /^mongodb:\/\/(?:[^@/]*@)?([^/?,]+)/.exec(uri)?.[1] ?? '';
  const decoded = decodeURIComponent(authority);
  if (decoded.startsWith('/')) return { path: decoded };
  const colon = decoded.lastIndexOf(':');
  return colon === -1
    ? { host: decoded, port: 27017 }
    : { host: decoded.slice(0, colon), port: Number(decoded.slice(colon + 1)) };
}

/** A TCP proxy on a free loopback port in front of `target`, for outage tests. */
export async function startOutageProxy(target: net.NetConnectOpts): Promise<OutageProxy> {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  let mode: OutageMode = 'forward';
  let swallow: ((chunk: Buffer) => boolean) | undefined;
  let server: net.Server | undefined;

  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };

  const onConnection = (client: net.Socket) => {
    track(client);
    if (mode === 'blackhole') {
      client.on('data', () => undefined); // read and drop
      return;
    }
    const upstream = net.connect(target);
    track(upstream);
    // bytes pass only while forwarding; a black hole that starts mid-connection swallows them
    let swallowed = false;
    const passes = () => mode === 'forward' && !swallowed;
    client.on('data', (chunk: Buffer) => {
      if (passes() && swallow?.(chunk)) swallowed = true;
      if (passes()) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => passes() && client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  };

  const listen = async () => {
    server = net.createServer(onConnection);
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
  };
  const stopListening = async () => {
    const closing = server;
    server = undefined;
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };

  await listen();
  return {
    port,
    async set(next) {
      const previous = mode;
      mode = next;
      if (next === 'refuse') {
        const closed = stopListening();
        dropAll();
        await closed;
        return;
      }
      // leaving a black hole: end the swallowed connections, as a timed-out client would
      if (previous === 'blackhole' && next === 'forward') dropAll();
      if (!server) await listen();
    },
    swallowWhen(matches) {
      swallow = matches;
    },
    async close() {
      const closed = stopListening();
      dropAll();
      await closed;
    },
  };
}

/**
 * A proxy in front of the run's database (FerretDB, or mongod when MONGODB_URI is set) and the URI
 * of a fresh database `<prefix>_<time>` reached only through it: a server given this URI loses its
 * database when the proxy says so.
 */
export async function databaseBehindProxy(prefix: string): Promise<{ proxy: OutageProxy; uri: string }> {
  const proxy = await startOutageProxy(serverOf(inject('mongoBaseUri')));
  const uri = withDatabaseName(
    `mongodb://127.0.0.1:${proxy.port}/?directConnection=true`,
    `${prefix}_${Date.now().toString(36)}`,
  );
  return { proxy, uri };
}
