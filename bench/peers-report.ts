// The peers benchmark's report: ratios to Keycloak and to the in-memory oidc-provider, the goals of
// issue 8 judged from them, and the markdown table for bench/README.md.
import type { LoadResult } from './load.ts';

export type Rounds = {
  perSecond: number;
  perSecondRange: [number, number];
  p99Ms: number;
  p99MsRange: [number, number];
  /** Answers that were not 200, over all rounds (should be none). */
  failures: number;
  rounds: LoadResult[];
};

export type SystemResult = {
  id: string;
  label: string;
  loadAverageBefore: number[];
  error?: string;
  tokens?: Rounds;
  introspections?: Rounds;
};

const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && b > 0 ? a / b : undefined;

function ratios(results: SystemResult[]) {
  const by = (id: string) => results.find((r) => r.id === id);
  const [keycloak, memory] = [by('keycloak'), by('memory')];
  return Object.fromEntries(
    results.map((r) => [
      r.id,
      {
        tokensVsKeycloak: ratio(r.tokens?.perSecond, keycloak?.tokens?.perSecond),
        tokensVsMemory: ratio(r.tokens?.perSecond, memory?.tokens?.perSecond),
        introspectionsVsKeycloak: ratio(r.introspections?.perSecond, keycloak?.introspections?.perSecond),
        introspectionsVsMemory: ratio(r.introspections?.perSecond, memory?.introspections?.perSecond),
      },
    ]),
  );
}

/** The goals of issue 8 for appkeys on each database, judged from this run. */
function goals(results: SystemResult[], r: ReturnType<typeof ratios>) {
  return results
    .filter((s) => /^(mongodb|ferretdb)(-workers|-jwt)?$/.test(s.id))
    .flatMap((s) => {
      const x = r[s.id]!;
      const check = (goal: string, value: number | undefined, ok: (v: number) => boolean, digits = 2) => ({
        system: s.id,
        goal,
        measured: value === undefined ? undefined : Number(value.toFixed(digits)),
        met: value === undefined ? undefined : ok(value),
      });
      return [
        check('introspections >= 1.2x Keycloak', x.introspectionsVsKeycloak, (v) => v >= 1.2),
        check('introspections >= 0.6x in-memory', x.introspectionsVsMemory, (v) => v >= 0.6),
        check('tokens >= 2,500/s', s.tokens?.perSecond, (v) => v >= 2500, 0),
        check('tokens >= 3x Keycloak', x.tokensVsKeycloak, (v) => v >= 3),
        check('tokens >= 0.5x in-memory', x.tokensVsMemory, (v) => v >= 0.5),
        check('token p99 <= 25 ms', s.tokens?.p99Ms, (v) => v <= 25, 1),
      ];
    });
}

export const n = (v: number | undefined, digits = 0) =>
  v === undefined
    ? '-'
    : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const span = (r: Rounds | undefined) =>
  r ? `${n(r.perSecond)} (${n(r.perSecondRange[0])}-${n(r.perSecondRange[1])})` : '-';
const p99 = (r: Rounds | undefined) => (r ? `${n(r.p99MsRange[0], 1)}-${n(r.p99MsRange[1], 1)}` : '-');

export function markdown(result: ReturnType<typeof summarize>, header: string) {
  const lines = [
    header,
    '',
    '| system | tokens/s (rounds) | p99 ms | introspections/s (rounds) | p99 ms | tokens vs Keycloak | tokens vs in-memory | introspections vs Keycloak | introspections vs in-memory |',
    '|---|---|---|---|---|---|---|---|---|',
    ...result.systems.map((s) => {
      if (s.error)
        return `| ${s.label} | failed: ${s.error.replaceAll('|', '/').slice(0, 120)} | | | | | | | |`;
      const x = result.ratios[s.id]!;
      return `| ${s.label} | ${span(s.tokens)} | ${p99(s.tokens)} | ${span(s.introspections)} | ${p99(s.introspections)} | ${n(x.tokensVsKeycloak, 2)} | ${n(x.tokensVsMemory, 2)} | ${n(x.introspectionsVsKeycloak, 2)} | ${n(x.introspectionsVsMemory, 2)} |`;
    }),
  ];
  if (result.goals.length)
    lines.push(
      '',
      'Goals of issue 8 for appkeys, judged from this run:',
      '',
      '| appkeys | goal | measured | met |',
      '|---|---|---|---|',
      ...result.goals.map(
        (g) =>
          `| ${result.systems.find((s) => s.id === g.system)?.label.replace(/^appkeys \+ /, '') ?? g.system} | ${g.goal} | ${g.measured ?? '-'} | ${g.met === undefined ? '-' : g.met ? 'yes' : '**no**'} |`,
      ),
    );
  const failing = result.systems.filter(
    (s) => (s.tokens?.failures ?? 0) + (s.introspections?.failures ?? 0) > 0,
  );
  if (failing.length)
    lines.push(
      '',
      `Answers other than 200: ${failing.map((s) => `${s.id} ${(s.tokens?.failures ?? 0) + (s.introspections?.failures ?? 0)}`).join(', ')}.`,
    );
  return lines.join('\n');
}

export function summarize(systemsMeasured: SystemResult[]) {
  const r = ratios(systemsMeasured);
  return { systems: systemsMeasured, ratios: r, goals: goals(systemsMeasured, r) };
}
