import { mkdtemp, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadServerSecret } from './server-secret.ts';
import { loadSigningKeys, SIGNING_KEYS_FILE } from './signing-keys.ts';

const tempDir = () => mkdtemp(path.join(os.tmpdir(), 'appkeys-keys-'));

describe('signing keys', () => {
  it('generates one private ES256 key on first start, with mode 0600, and reuses it', async () => {
    const keysDir = await tempDir();
    const first = await loadSigningKeys({ fromEnv: undefined, keysDir });
    expect(first.keys).toHaveLength(1);
    expect(first.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(first.keys[0]?.d).toBeTruthy();
    expect((await stat(path.join(keysDir, SIGNING_KEYS_FILE))).mode & 0o777).toBe(0o600);
    expect(await loadSigningKeys({ fromEnv: undefined, keysDir })).toEqual(first);
  });

  it('agrees on one key when several processes start at once', async () => {
    const keysDir = await tempDir();
    const all = await Promise.all(
      Array.from({ length: 8 }, () => loadSigningKeys({ fromEnv: undefined, keysDir })),
    );
    const kids = new Set(all.map((keys) => keys.keys[0]?.kid));
    expect(kids.size).toBe(1);
    const onDisk = JSON.parse(await readFile(path.join(keysDir, SIGNING_KEYS_FILE), 'utf8'));
    expect(onDisk.keys[0].kid).toBe([...kids][0]);
  });

  it('takes SIGNING_KEYS from configuration and refuses a public-only or malformed one', async () => {
    const keysDir = await tempDir();
    const generated = await loadSigningKeys({ fromEnv: undefined, keysDir });
    expect(await loadSigningKeys({ fromEnv: JSON.stringify(generated), keysDir: '/nonexistent' })).toEqual(
      generated,
    );
    const { d: _private, ...publicOnly } = generated.keys[0] ?? {};
    await expect(
      loadSigningKeys({ fromEnv: JSON.stringify({ keys: [publicOnly] }), keysDir }),
    ).rejects.toThrow(/SIGNING_KEYS must be a JWKS of private keys/);
    await expect(loadSigningKeys({ fromEnv: '{nope', keysDir })).rejects.toThrow(
      /SIGNING_KEYS is not valid JSON/,
    );
  });
});

describe('server secret', () => {
  it('generates 256 random bits once and reuses them', async () => {
    const keysDir = await tempDir();
    const secret = await loadServerSecret({ fromEnv: undefined, keysDir });
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(await loadServerSecret({ fromEnv: undefined, keysDir })).toBe(secret);
    expect(await loadServerSecret({ fromEnv: 'x'.repeat(40), keysDir })).toBe('x'.repeat(40));
  });
});
