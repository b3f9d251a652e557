import { describe, expect, it } from 'vitest';
import { trustProxySchema } from '../config/trust-proxy.ts';
import { createClientOrigin } from './client-address.ts';

const originWith = (setting: string | undefined) => createClientOrigin(trustProxySchema.parse(setting));
const request = (peer: string, forwardedFor = '', forwardedProto = '') => ({
  peer,
  forwardedFor,
  forwardedProto,
  encrypted: false,
});

describe('the client address and scheme behind proxies', () => {
  it('trusts nothing by default', () => {
    expect(originWith(undefined)(request('10.0.0.2', '1.2.3.4', 'https'))).toEqual({
      address: '10.0.0.2',
      https: false,
    });
  });

  it('with N hops takes the address N places left of the peer, and at most the leftmost', () => {
    expect(originWith('1')(request('10.0.0.2', 'forged, 1.2.3.4', 'https'))).toEqual({
      address: '1.2.3.4',
      https: true,
    });
    expect(originWith('2')(request('10.0.0.2', '5.6.7.8, 1.2.3.4, 10.0.0.3')).address).toBe('1.2.3.4');
    expect(originWith('3')(request('10.0.0.2', '1.2.3.4')).address).toBe('1.2.3.4');
    expect(originWith('1')(request('10.0.0.2')).address).toBe('10.0.0.2');
  });

  it('with CIDRs trusts only peers inside them and skips trusted hops from the right', () => {
    const origin = originWith('10.0.0.0/8');
    expect(origin(request('192.0.2.1', '1.2.3.4', 'https'))).toEqual({ address: '192.0.2.1', https: false });
    expect(origin(request('10.0.0.2', '9.9.9.9, 1.2.3.4, 10.1.1.1', 'https'))).toEqual({
      address: '1.2.3.4',
      https: true,
    });
    expect(origin(request('::ffff:10.0.0.2', '1.2.3.4')).address).toBe('1.2.3.4');
  });

  it('never takes something that is not an address', () => {
    expect(originWith('1')(request('10.0.0.2', '<script>')).address).toBe('10.0.0.2');
  });

  it('reads the scheme the nearest proxy set', () => {
    expect(originWith('1')(request('10.0.0.2', '1.2.3.4', 'https, http')).https).toBe(false);
    expect(originWith('1')(request('10.0.0.2', '1.2.3.4', 'http, https')).https).toBe(true);
  });
});
