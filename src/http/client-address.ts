import { BlockList, isIP } from 'node:net';
import type { Context, Next } from 'koa';
import type { TrustProxy } from '../config/trust-proxy.ts';

/** IPv4-mapped IPv6 (`::ffff:10.0.0.1`, as dual-stack sockets report) in its IPv4 form. */
const plain = (address: string) =>
  /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;

export type ClientOrigin = { address: string; https: boolean };

/**
 * Who is on the other end of a request, per `TRUST_PROXY` (DESIGN.md section 6, "Behind a proxy").
 * The chain is X-Forwarded-For's entries followed by the socket's peer. With a hop count N, the
 * client is the entry N places left of the peer (what the nearest N proxies appended; anything a
 * client wrote itself is further left and ignored). With CIDRs, trusted addresses are skipped from
 * the right and the first untrusted one is the client. The scheme comes from X-Forwarded-Proto
 * (the last value, the one our nearest proxy set) only when the peer itself is trusted.
 */
export function createClientOrigin(trust: TrustProxy) {
  const blocks = new BlockList();
  if (trust.kind === 'cidrs')
    for (const cidr of trust.cidrs) blocks.addSubnet(cidr.address, cidr.prefix, cidr.family);
  const trusted = (address: string) => {
    const version = isIP(address);
    return version !== 0 && blocks.check(address, version === 4 ? 'ipv4' : 'ipv6');
  };

  return function clientOrigin(input: {
    peer: string;
    forwardedFor: string;
    forwardedProto: string;
    encrypted: boolean;
  }): ClientOrigin {
    const peer = plain(input.peer);
    const direct = { address: peer, https: input.encrypted };
    if (trust.kind === 'none') return direct;
    const peerTrusted = trust.kind === 'hops' || trusted(peer);
    if (!peerTrusted) return direct;
    const chain = [
      ...input.forwardedFor
        .split(',')
        .map((entry) => plain(entry.trim()))
        .filter(Boolean),
      peer,
    ];
    let index = chain.length - 1;
    if (trust.kind === 'hops') index = Math.max(0, chain.length - 1 - trust.hops);
    else while (index > 0 && trusted(chain[index]!)) index--;
    // an entry that is no address (garbage a proxy passed on) ends the walk at the one right of it
    while (index < chain.length - 1 && !isIP(chain[index]!)) index++;
    const proto = input.forwardedProto.split(',').at(-1)?.trim().toLowerCase();
    return { address: chain[index]!, https: input.encrypted || proto === 'https' };
  };
}

/**
 * Sets `ctx.ip` (which every per-address throttle reads) and the request's scheme from the
 * trusted proxy headers. An https issuer means every client reached us over https: then the
 * request counts as secure, so oidc-provider marks its cookies `Secure`.
 */
export function clientAddress(trust: TrustProxy, issuer: string) {
  const origin = createClientOrigin(trust);
  const httpsIssuer = issuer.startsWith('https:');
  return async function clientAddressMiddleware(ctx: Context, next: Next): Promise<void> {
    const found = origin({
      peer: ctx.req.socket.remoteAddress ?? '',
      forwardedFor: ctx.get('x-forwarded-for'),
      forwardedProto: ctx.get('x-forwarded-proto'),
      encrypted: Boolean((ctx.req.socket as { encrypted?: boolean }).encrypted),
    });
    ctx.request.ip = found.address;
    const protocol = found.https || httpsIssuer ? 'https' : 'http';
    Object.defineProperty(ctx.request, 'protocol', { value: protocol, configurable: true });
    await next();
  };
}
