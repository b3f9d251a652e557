import { describe, expect, it } from 'vitest';
import { createPathCanonicaliser } from './canonical-path.ts';

const canonicalise = createPathCanonicaliser(
  ['/token', '/token/introspection', '/oauth/access_token', '/v2/stores/:ownerId/rate-limit'],
  ['/v2'],
);
const path = (p: string) => {
  const result = canonicalise(p);
  return result.ok ? result.path : `refused: ${result.reason}`;
};

describe('createPathCanonicaliser', () => {
  it('gives fixed segments the spelling of the table, whatever the case', () => {
    expect(path('/TOKEN')).toBe('/token');
    expect(path('/Token/Introspection')).toBe('/token/introspection');
    expect(path('/OAUTH/Access_Token')).toBe('/oauth/access_token');
  });

  it('drops every trailing slash, so no router can forgive one more', () => {
    expect(path('/token/')).toBe('/token');
    expect(path('/token//')).toBe('/token');
    expect(path('/')).toBe('/');
  });

  it("keeps parameters' bytes and case, and encoded parameters as sent", () => {
    expect(path('/V2/Stores/AbC-1/Rate-Limit/')).toBe('/v2/stores/AbC-1/rate-limit');
    expect(path('/v2/stores/%41bc/rate-limit')).toBe('/v2/stores/%41bc/rate-limit');
  });

  it('leaves a percent-encoded fixed segment alone (no route serves it)', () => {
    expect(path('/%74oken')).toBe('/%74oken');
    expect(path('/v2/stores/x/rate%2Dlimit')).toBe('/v2/stores/x/rate%2Dlimit');
  });

  it("lowers only the prefix of paths outside the table, so they get the prefix's 404", () => {
    expect(path('/V2/Nothing/Here')).toBe('/v2/Nothing/Here');
    expect(path('/V2')).toBe('/v2');
    expect(path('/V2x')).toBe('/V2x');
    expect(path('/Interaction/AbC')).toBe('/Interaction/AbC');
  });

  it('refuses malformed percent-encoding', () => {
    for (const bad of ['/%', '/%zz', '/token%', '/%E0%A4%A', '/%C0%AF', '/v2/stores/%FF/rate-limit'])
      expect(path(bad)).toMatch(/^refused: /);
  });

  it('needs a non-empty value for a parameter', () => {
    expect(path('/v2/stores//rate-limit')).toBe('/v2/stores//rate-limit');
  });
});
