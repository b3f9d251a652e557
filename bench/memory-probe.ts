// The soak benchmark's view into a server's memory, installed by bench/server-process.ts only when
// the process was started with an IPC channel and --expose-gc (bench/services.ts `memoryProbe`).
// Never part of the server: no route, no signal handler in src/. On a message from the parent it
// reads process.memoryUsage() as is, then forces a full collection and reads it again (what is
// retained, as opposed to garbage not yet collected), then RSS once V8 has handed the freed pages
// back (it does so in the background, within about 200 ms), and optionally writes a heap snapshot.
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';

/** How long after the collection the second reading waits for freed pages to leave RSS. */
const SETTLE_MS = 500;

export type MemoryReading = {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
};
/** As is; right after a full GC (what is retained); RSS once the freed pages are handed back. */
export type MemorySample = { before: MemoryReading; afterGc: MemoryReading; rssSettled: number };
export type ProbeRequest = { id: number; snapshot?: string };

const mib = (bytes: number) => Math.round(bytes / 104_857.6) / 10;

function reading(): MemoryReading {
  const usage = process.memoryUsage();
  return {
    rss: mib(usage.rss),
    heapTotal: mib(usage.heapTotal),
    heapUsed: mib(usage.heapUsed),
    external: mib(usage.external),
    arrayBuffers: mib(usage.arrayBuffers),
  };
}

export function installMemoryProbe(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!process.send || !gc) return;
  process.on('message', async (request: ProbeRequest) => {
    const before = reading();
    gc();
    const afterGc = reading();
    await sleep(SETTLE_MS);
    const rssSettled = mib(process.memoryUsage.rss());
    if (request.snapshot) v8.writeHeapSnapshot(request.snapshot);
    process.send?.({ id: request.id, sample: { before, afterGc, rssSettled } satisfies MemorySample });
  });
}
