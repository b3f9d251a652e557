import { randomBytes } from 'node:crypto';
import { mkdir, readFile, link, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Returns the file's content, creating it first with `create()` when it does not exist.
 * Creation is atomic (write a private temporary file, then hard-link it into place), so two
 * processes starting together agree on one content and nobody reads a half-written file.
 */
export async function readOrCreateFile(filePath: string, create: () => Promise<string>): Promise<string> {
  try {
    return await readFile(filePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(path.dirname(filePath), { recursive: true, mode: 0o700 });
  const temporary = `${filePath}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, await create(), { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, filePath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temporary);
  }
  return readFile(filePath, 'utf8');
}
