import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Which peers may tell us the client's address and scheme (X-Forwarded-For, X-Forwarded-Proto):
 * none (the default), the nearest `hops` proxies whatever their address, or peers inside `cidrs`.
 */
export type TrustProxy =
  | { kind: 'none' }
  | { kind: 'hops'; hops: number }
  | { kind: 'cidrs'; cidrs: Array<{ address: string; prefix: number; family: 'ipv4' | 'ipv6' }> };

function parseCidr(entry: string) {
  const [address = '', prefixText, ...rest] = entry.split('/');
  const version = isIP(address);
  if (!version || rest.length) return undefined;
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return undefined;
  return { address, prefix, family: version === 4 ? ('ipv4' as const) : ('ipv6' as const) };
}

/** `TRUST_PROXY`: unset or empty (trust none), a hop count (0-10), or a comma-separated list of CIDRs. */
export const trustProxySchema = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx): TrustProxy => {
    if (value === undefined || value === '') return { kind: 'none' };
    if (/^\d+$/.test(value)) {
      const hops = Number(value);
      if (hops <= 10) return hops === 0 ? { kind: 'none' } : { kind: 'hops', hops };
    } else {
      const cidrs = value.split(',').map((entry) => parseCidr(entry.trim()));
      if (cidrs.every((cidr) => cidr !== undefined)) return { kind: 'cidrs', cidrs };
    }
    ctx.addIssue({
      code: 'custom',
      message:
        'must be a hop count from 0 to 10 or a comma-separated list of addresses or CIDRs (e.g. 10.0.0.0/8,::1)',
    });
    return z.NEVER;
  });
