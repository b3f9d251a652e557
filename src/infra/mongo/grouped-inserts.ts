/**
 * Groups concurrent inserts into one collection into one `insertMany` (ordered: false). Issuing a
 * token costs one insert, and under load most of a server's database time went into sending and
 * awaiting those one by one; written together they cost one command.
 *
 * Inserts asked for while the event loop runs one turn (up to `maxBatch` of them) go out together
 * right after that turn (`setImmediate`), so grouping adds no timer delay: a lone insert is sent
 * as soon as its request yields. Each caller's promise settles with its own document's outcome,
 * and only once the database has answered for it: a token is never answered before it is stored.
 * - stored: resolves `'inserted'`;
 * - its `_id` exists already (code 11000): resolves `'duplicate'` (the caller decides: replace it);
 * - any other failure of its document: rejects with that write error;
 * - the command failed as a whole (network, timeout, write concern not met): every caller of the
 *   batch rejects with the error (unwrapped from the driver's MongoBulkWriteError, so outage
 *   errors stay recognisable as such).
 */
export type InsertOutcome = 'inserted' | 'duplicate';

/** The one call the grouping makes: MongoDB's `collection.insertMany(docs, { ordered: false })`. */
export type InsertMany<T> = (docs: T[]) => Promise<unknown>;

type Pending<T> = { doc: T; resolve: (outcome: InsertOutcome) => void; reject: (error: unknown) => void };

type WriteError = { index: number; code?: unknown };

const DUPLICATE_KEY = 11000;

/** The per-document errors of a bulk write, or undefined when the command failed as a whole. */
function perDocumentErrors(error: unknown): Map<number, WriteError> | undefined {
  const { writeErrors, result } = error as {
    writeErrors?: WriteError | WriteError[];
    result?: { getWriteConcernError?: () => unknown };
  };
  const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
  if (!list.length || result?.getWriteConcernError?.()) return undefined;
  return new Map(list.map((writeError) => [writeError.index, writeError]));
}

/** A driver error that wraps another (a network error inside MongoBulkWriteError): the one inside. */
function unwrap(error: unknown): unknown {
  const inner = (error as { errorResponse?: unknown } | undefined)?.errorResponse;
  return inner instanceof Error ? inner : error;
}

function settle<T>(batch: Pending<T>[], error: unknown): void {
  const failed = perDocumentErrors(error);
  if (!failed) {
    const cause = unwrap(error);
    for (const pending of batch) pending.reject(cause);
    return;
  }
  batch.forEach((pending, index) => {
    const writeError = failed.get(index);
    if (!writeError) pending.resolve('inserted');
    else if (writeError.code === DUPLICATE_KEY) pending.resolve('duplicate');
    else pending.reject(writeError);
  });
}

export function createGroupedInserts<T>(insertMany: InsertMany<T>, options = { maxBatch: 100 }) {
  let queue: Pending<T>[] = [];
  let scheduled = false;

  async function write(batch: Pending<T>[]): Promise<void> {
    try {
      await insertMany(batch.map((pending) => pending.doc));
    } catch (error) {
      settle(batch, error);
      return;
    }
    for (const pending of batch) pending.resolve('inserted');
  }

  function flush(): void {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length) void write(batch);
  }

  return function insert(doc: T): Promise<InsertOutcome> {
    return new Promise<InsertOutcome>((resolve, reject) => {
      queue.push({ doc, resolve, reject });
      if (queue.length >= options.maxBatch) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
  };
}

export type GroupedInsert<T> = ReturnType<typeof createGroupedInserts<T>>;
