import { hash, verify } from '@node-rs/argon2';

/** argon2id (the @node-rs/argon2 defaults: 19 MiB, 2 passes), prebuilt for every platform. */
export const passwords = {
  hash: (password: string) => hash(password),
  async verify(stored: string, password: string): Promise<boolean> {
    try {
      return await verify(stored, password);
    } catch {
      return false;
    }
  },
};
