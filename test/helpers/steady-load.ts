export type Sample = { sentAt: number; status: number; target: number };

/**
 * Offers `rps` requests per second, spread round-robin over `targets`, without waiting for answers
 * (an open loop, as real clients are), until `stop()`, which resolves with every answer.
 */
export function startSteadyLoad(targets: Array<() => Promise<Response>>, rps: number) {
  const samples: Sample[] = [];
  const inFlight = new Set<Promise<unknown>>();
  const started = performance.now();
  let sent = 0;
  const fire = (target: number) => {
    const sentAt = performance.now();
    const request: Promise<unknown> = targets[target]!()
      .then(async (response) => {
        await response.arrayBuffer();
        samples.push({ sentAt, status: response.status, target });
      })
      .catch(() => samples.push({ sentAt, status: 0, target }))
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  };
  // catch up on the schedule every 5 ms, so a stalled event loop does not lower the offered rate
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * rps);
    while (sent < due) fire(sent++ % targets.length);
  }, 5);
  return {
    async stop(): Promise<Sample[]> {
      clearInterval(timer);
      await Promise.all(inFlight);
      return samples;
    },
  };
}

/** A limiter decision as the servers log it at trace level ('rate-limit decision'). */
export type LoggedDecision = {
  time: number;
  owner: string;
  allowed: boolean;
  backend: 'redis' | 'memory';
  sharedQuota: number;
};

/** The decisions about `owner` in pino JSON lines. */
export function decisionsIn(lines: string[], owner: string): LoggedDecision[] {
  return lines
    .filter((line) => line.includes('"rate-limit decision"'))
    .map((line) => JSON.parse(line) as LoggedDecision)
    .filter((decision) => decision.owner === owner);
}

/** The most admitted decisions within any `windowMs` (sliding by `stepMs`) of [from, to) (epoch ms). */
export function maxAdmittedPerWindow(
  decisions: LoggedDecision[],
  from: number,
  to: number,
  windowMs = 1000,
  stepMs = 20,
) {
  const times = decisions.filter((d) => d.allowed).map((d) => d.time);
  let max = 0;
  let at = from;
  for (let start = from; start + windowMs <= to; start += stepMs) {
    const count = times.filter((time) => time >= start && time < start + windowMs).length;
    if (count > max) [max, at] = [count, start];
  }
  return { max, at };
}
