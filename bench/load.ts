import http from 'node:http';

export type LoadResult = {
  requests: number;
  seconds: number;
  perSecond: number;
  statuses: Record<number, number>;
  p50Ms: number;
  p99Ms: number;
};

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

/**
 * A small closed-loop HTTP load generator: `concurrency` keep-alive connections each sending
 * the next request when the previous answered, for `seconds`. Bounded in time, loopback only.
 */
export async function load(options: {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  /** A function gives each request a body of its own (e.g. a different token each time). */
  body?: string | (() => string);
  concurrency: number;
  seconds: number;
}): Promise<LoadResult> {
  const target = new URL(options.url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname))
    throw new Error('benchmarks only target loopback');
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  const deadline = performance.now() + options.seconds * 1000;
  const started = performance.now();

  const one = () =>
    new Promise<void>((resolve, reject) => {
      const sent = performance.now();
      const request = http.request(
        target,
        { method: options.method ?? 'GET', headers: options.headers, agent },
        (response) => {
          response.resume();
          response.on('end', () => {
            latencies.push(performance.now() - sent);
            statuses[response.statusCode ?? 0] = (statuses[response.statusCode ?? 0] ?? 0) + 1;
            resolve();
          });
        },
      );
      request.on('error', reject);
      request.end(typeof options.body === 'function' ? options.body() : options.body);
    });

  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline) await one();
    }),
  );
  agent.destroy();
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    statuses,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}
