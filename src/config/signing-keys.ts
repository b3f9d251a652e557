import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { z } from 'zod';
import { readOrCreateFile } from './read-or-create-file.ts';

export const SIGNING_KEYS_FILE = 'signing-keys.json';

const privateJwk = z.looseObject({ kty: z.string(), d: z.string(), kid: z.string().optional() });
const jwksSchema = z.object({ keys: z.array(privateJwk).min(1) });

export type SigningKeys = { keys: JWK[] };

async function generateSigningKeys(): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return `${JSON.stringify({ keys: [{ ...jwk, kid, alg: 'ES256', use: 'sig' }] }, null, 2)}\n`;
}

function parse(text: string, source: string): SigningKeys {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${source} is not valid JSON`);
  }
  const parsed = jwksSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(`${source} must be a JWKS of private keys: {"keys": [{"kty", "d", ...}]}`);
  return parsed.data as SigningKeys;
}

/**
 * The provider's private signing keys: from SIGNING_KEYS when set, otherwise from KEYS_DIR,
 * generated there (one ES256 key) on first start. The first key of each algorithm signs;
 * all of them are published in /jwks.
 */
export async function loadSigningKeys(options: {
  fromEnv: string | undefined;
  keysDir: string;
}): Promise<SigningKeys> {
  if (options.fromEnv) return parse(options.fromEnv, 'SIGNING_KEYS');
  const file = path.join(options.keysDir, SIGNING_KEYS_FILE);
  return parse(await readOrCreateFile(file, generateSigningKeys), file);
}
