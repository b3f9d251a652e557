import { readFile } from 'node:fs/promises';

/**
 * CPU time (user + system, in ms) a process has used so far, from /proc/<pid>/stat (Linux).
 * On a machine shared with other work, CPU time per request is steadier than requests per second.
 */
export async function processCpuMs(pid: number | undefined): Promise<number | undefined> {
  if (!pid) return undefined;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return undefined;
  // fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

/** CPU ms per request of `pid` while `run` ran. */
export async function cpuMsPerRequest<R extends { requests: number }>(
  pid: number | undefined,
  run: () => Promise<R>,
): Promise<R & { cpuMsPerRequest?: number }> {
  const before = await processCpuMs(pid);
  const result = await run();
  const after = await processCpuMs(pid);
  if (before === undefined || after === undefined || !result.requests) return result;
  return { ...result, cpuMsPerRequest: (after - before) / result.requests };
}
