import type { Logger } from '../logger.ts';
import { buildFerretdb } from './build-binary.ts';
import { findFerretdb } from './find-binary.ts';
import { carriesPatches } from './patch-set.ts';

/**
 * The FerretDB binary to run: one found (FERRETDB_BIN, the project cache, PATH), else one built
 * into the project cache (NoDatabaseError without Go). A found binary without our patches runs,
 * with a warning: its SQLite backend scans whole tables where ours searches an index.
 */
export async function resolveFerretdb(explicit: string | undefined, logger: Logger): Promise<string> {
  const found = await findFerretdb(explicit);
  if (!found) return buildFerretdb(logger);
  if (!(await carriesPatches(found)))
    logger.warn(
      { binary: found },
      "this FerretDB lacks appkeys' patches (src/infra/ferretdb/patches): lookups scan whole tables and slow down as data grows; unset FERRETDB_BIN or remove it from PATH to have a patched one built",
    );
  return found;
}
