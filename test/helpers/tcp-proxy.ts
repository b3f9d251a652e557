import net from 'node:net';
import { once } from 'node:events';

export type TcpProxy = {
  port: number;
  /** Cuts every connection and refuses new ones (they are closed at once), as a network partition would. */
  block(): void;
  unblock(): void;
  close(): Promise<void>;
};

/** A loopback TCP proxy to `targetPort` that a test can cut and restore: one process's view of a blip. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let blocked = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (blocked) return client.destroy();
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    block() {
      blocked = true;
      for (const socket of sockets) socket.destroy();
    },
    unblock() {
      blocked = false;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
