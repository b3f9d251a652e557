import { chmod, mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Longest Unix socket path Linux takes (sun_path is 108 bytes with the final NUL); macOS takes 103. */
export const MAX_SOCKET_PATH = process.platform === 'linux' ? 107 : 103;
const SOCKET_NAME = 'ferretdb.sock'; // the MongoDB driver takes a host ending in .sock for a socket path

/** Creates DATA_DIR/ferretdb (socket and SQLite files) or narrows it to 0700: only this user may connect. */
export async function makePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/**
 * Where the embedded FerretDB listens: `dir/ferretdb.sock` in the private `dir`; when that path is
 * too long for a Unix socket (a deep DATA_DIR), in a new 0700 directory under the temporary directory.
 */
export async function chooseSocketPath(dir: string): Promise<{ socket: string; fallback: boolean }> {
  const inside = path.join(dir, SOCKET_NAME);
  if (Buffer.byteLength(inside) <= MAX_SOCKET_PATH) return { socket: inside, fallback: false };
  for (const base of [os.tmpdir(), '/tmp']) {
    const candidate = path.join(base, 'appkeys-db-XXXXXX', SOCKET_NAME);
    if (Buffer.byteLength(candidate) > MAX_SOCKET_PATH) continue;
    const short = await mkdtemp(path.join(base, 'appkeys-db-')); // mkdtemp makes it 0700
    return { socket: path.join(short, SOCKET_NAME), fallback: true };
  }
  throw new Error(
    `DATA_DIR is too deep for a Unix socket path (${inside}) and so is the temporary directory`,
  );
}
