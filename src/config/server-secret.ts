import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { readOrCreateFile } from './read-or-create-file.ts';

export const SERVER_SECRET_FILE = 'server-secret';

/**
 * The server secret keys cookie signatures and the HMAC of client secrets. It comes from
 * SERVER_SECRET when set, otherwise from KEYS_DIR (256 random bits, generated on first start).
 * Every instance serving one database must use the same secret.
 */
export async function loadServerSecret(options: {
  fromEnv: string | undefined;
  keysDir: string;
}): Promise<string> {
  if (options.fromEnv) return options.fromEnv;
  const file = path.join(options.keysDir, SERVER_SECRET_FILE);
  const secret = (
    await readOrCreateFile(file, async () => `${randomBytes(32).toString('base64url')}\n`)
  ).trim();
  if (secret.length < 32) throw new Error(`${file} must hold at least 32 characters`);
  return secret;
}
