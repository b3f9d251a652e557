/**
 * One spelling per path. Our routers match loosely: oidc-provider's compares paths
 * case-insensitively and forgives one trailing slash, @koa/router (by default) does the same, and
 * route parameters are percent-decoded. Middleware that compared `ctx.path` with exact strings
 * (throttles, the token-request rewrite, `/v2` authentication) could therefore be walked around
 * with `/TOKEN` or `/token/` while the router still served the request. So the path is
 * canonicalised once, in front of everything, against the table of routes that middleware cares
 * about: fixed segments take the table's spelling, trailing slashes go, parameters keep the
 * caller's bytes (the router decodes them). A percent-encoded fixed segment (`/%74oken`) matches
 * no route and stays as sent: no router serves it, so it answers 404 everywhere. Malformed
 * percent-encoding is refused before anyone looks.
 */

type Pattern = { segments: Array<string | null> };

export type Canonical = { ok: true; path: string } | { ok: false; reason: string };

const badEscape = /%(?![0-9A-Fa-f]{2})/;

/** True when every `%` starts a valid escape and the escapes decode as UTF-8. */
function wellEncoded(path: string): boolean {
  if (badEscape.test(path)) return false;
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

function compile(route: string): Pattern {
  return { segments: route.split('/').map((s) => (s.startsWith(':') ? null : s.toLowerCase())) };
}

/**
 * Builds the canonicaliser for `routes` (patterns like `/v2/stores/:ownerId/rate-limit`) and
 * `prefixes` whose case alone is canonicalised for any path below them (`/v2`, so that unknown
 * admin paths still get the admin API's JSON 404).
 */
export function createPathCanonicaliser(routes: Iterable<string>, prefixes: string[] = []) {
  const patterns = [...new Set(routes)].map(compile);
  const lowerPrefixes = prefixes.map((p) => p.toLowerCase());

  function matchRoute(parts: string[]): string | undefined {
    const folded = parts.map((p) => p.toLowerCase());
    for (const { segments } of patterns) {
      if (segments.length !== parts.length) continue;
      if (segments.every((s, i) => (s === null ? parts[i] !== '' : s === folded[i])))
        return segments.map((s, i) => s ?? parts[i]).join('/');
    }
    return undefined;
  }

  return function canonicalise(path: string): Canonical {
    if (!wellEncoded(path)) return { ok: false, reason: 'The path has malformed percent-encoding.' };
    // every trailing slash: a router that forgives one more must never see one
    const trimmed = path.replace(/\/+$/, '') || '/';
    const routed = matchRoute(trimmed.split('/'));
    if (routed !== undefined) return { ok: true, path: routed };
    const lower = trimmed.toLowerCase();
    const prefix = lowerPrefixes.find((p) => lower === p || lower.startsWith(`${p}/`));
    return { ok: true, path: prefix ? prefix + trimmed.slice(prefix.length) : trimmed };
  };
}

export type PathCanonicaliser = ReturnType<typeof createPathCanonicaliser>;
