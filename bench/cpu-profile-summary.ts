// Summarises a V8 CPU profile (`node --cpu-prof`) as shares of the main thread's busy self time:
// by category (the package or our own file responsible) and by function. Node's own code and
// natives (a socket write, a hash, a promise hook) count for the nearest caller outside node, so
// the MongoDB driver's socket writes are the driver's; what no package called (the event loop,
// the HTTP parser before koa) stays "node internals". How much of the time was spent inside
// node's code and natives whoever called is reported beside (`inNodeShare`). Idle time is left
// out of the shares and reported as the thread's busy fraction. Only samples inside
// [fromUs, toUs] of the profile's clock count.

type CallFrame = { functionName: string; url: string; lineNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
export type CpuProfile = {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
};

const named = new Map(
  Object.entries({
    mongodb: 'MongoDB driver',
    bson: 'bson',
    mongoose: 'mongoose',
    'oidc-provider': 'oidc-provider',
    koa: 'koa',
    'koa-compose': 'koa',
    '@koa/router': 'koa',
    '@koa/cors': 'koa',
  }),
);

/** The category of a frame with a script: a named package, `src/<file>`, node internals, or `other: <package>`. */
export function categoryOfUrl(url: string, projectRoot: string): string {
  if (url.startsWith('node:')) return 'node internals';
  const packages = [...url.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)];
  const pkg = packages.at(-1)?.[1];
  if (pkg) return named.get(pkg) ?? (pkg.startsWith('koa-') ? 'koa' : `other: ${pkg}`);
  const file = url.replace(/^file:\/\//, '');
  if (file.startsWith(`${projectRoot}src/`)) return file.slice(projectRoot.length);
  if (file.startsWith(projectRoot)) return `other: ${file.slice(projectRoot.length)}`;
  return 'other';
}

const special = new Map(
  Object.entries({
    '(garbage collector)': 'GC',
    '(program)': 'node internals',
    '(root)': 'node internals',
  }),
);

/** One profile, or several (the server's processes, e.g. cluster workers) summed as one. */
export function summarizeProfile(
  profiles: CpuProfile | CpuProfile[],
  options: { projectRoot: string; fromUs?: number; toUs?: number; top?: number },
) {
  const from = options.fromUs ?? -Infinity;
  const to = options.toUs ?? Infinity;
  const categories = new Map<string, number>();
  const functions = new Map<string, { us: number; category: string }>();
  let busyUs = 0;
  let idleUs = 0;
  let inNodeUs = 0;
  for (const profile of Array.isArray(profiles) ? profiles : [profiles]) {
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    const categoryMemo = new Map<number, string>();
    const categoryOf = (id: number): string => {
      const known = categoryMemo.get(id);
      if (known) return known;
      const frame = byId.get(id)!.callFrame;
      const up = parent.get(id);
      const ownCode = frame.url && !frame.url.startsWith('node:');
      const category =
        special.get(frame.functionName) ??
        (ownCode ? categoryOfUrl(frame.url, options.projectRoot) : up ? categoryOf(up) : 'node internals');
      categoryMemo.set(id, category);
      return category;
    };

    let at = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      at += profile.timeDeltas[i] ?? 0;
      const weight = profile.timeDeltas[i + 1] ?? 0;
      if (at < from || at > to) continue;
      const id = profile.samples[i]!;
      const frame = byId.get(id)!.callFrame;
      if (frame.functionName === '(idle)') {
        idleUs += weight;
        continue;
      }
      busyUs += weight;
      if (!frame.url.startsWith('file:') && frame.functionName !== '(garbage collector)') inNodeUs += weight;
      const category = categoryOf(id);
      categories.set(category, (categories.get(category) ?? 0) + weight);
      const where = frame.url
        ? `${shortUrl(frame.url, options.projectRoot)}:${frame.lineNumber + 1}`
        : `native, in ${category}`;
      const key = `${frame.functionName || '(anonymous)'} (${where})`;
      const entry = functions.get(key) ?? { us: 0, category };
      entry.us += weight;
      functions.set(key, entry);
    }
  }
  const share = (us: number) => (busyUs > 0 ? us / busyUs : 0);
  return {
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    busyFraction: busyUs + idleUs > 0 ? busyUs / (busyUs + idleUs) : 0,
    inNodeShare: share(inNodeUs),
    categories: [...categories]
      .map(([category, us]) => ({ category, share: share(us) }))
      .sort((a, b) => b.share - a.share),
    topFunctions: [...functions]
      .map(([fn, { us, category }]) => ({ function: fn, category, share: share(us) }))
      .sort((a, b) => b.share - a.share)
      .slice(0, options.top ?? 15),
  };
}

export type ProfileSummary = ReturnType<typeof summarizeProfile>;

function shortUrl(url: string, projectRoot: string) {
  const file = url.replace(/^file:\/\//, '');
  const inModules = file.lastIndexOf('node_modules/');
  if (inModules >= 0) return file.slice(inModules + 'node_modules/'.length);
  return file.startsWith(projectRoot) ? file.slice(projectRoot.length) : file;
}

const groups = [
  'MongoDB driver',
  'bson',
  'mongoose',
  'oidc-provider',
  'koa',
  'node internals',
  'GC',
  'our src/',
  'other',
] as const;

/** The categories folded into the report's groups: every `src/` file under "our src/", every other package under "other". */
export function grouped(summary: ProfileSummary) {
  const totals = new Map<string, number>(groups.map((g) => [g, 0]));
  const details = new Map<string, Array<{ name: string; share: number }>>([
    ['our src/', []],
    ['other', []],
  ]);
  for (const { category, share } of summary.categories) {
    const group = category.startsWith('src/')
      ? 'our src/'
      : category.startsWith('other')
        ? 'other'
        : category;
    totals.set(group, (totals.get(group) ?? 0) + share);
    details.get(group)?.push({ name: category.replace(/^other: /, ''), share });
  }
  return groups.map((group) => ({ group, share: totals.get(group) ?? 0, details: details.get(group) ?? [] }));
}
