import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntrospectionCache } from './introspection-cache.ts';

// A stand-in introspection endpoint that answers every token inactive and counts what it is asked.
const asked: string[] = [];
const endpoint = http.createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString()));
  request.on('end', () => {
    asked.push(new URLSearchParams(body).get('token') ?? '');
    response.setHeader('content-type', 'application/json');
    response.end('{"active":false}');
  });
});
let url = '';

beforeAll(async () => {
  endpoint.listen(0, '127.0.0.1');
  await once(endpoint, 'listening');
  url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/token/introspection`;
});
afterAll(() => new Promise<void>((resolve) => endpoint.close(() => resolve())));

describe('the introspection cache', () => {
  it('remembers at most maxEntries tokens, so tokens made up by callers cannot grow it without bound', async () => {
    asked.length = 0;
    const subjectOf = createIntrospectionCache({ url, clientId: 'rs', clientSecret: 's', maxEntries: 2 });
    expect(await subjectOf('made-up-1')).toBeUndefined();
    expect(await subjectOf('made-up-1')).toBeUndefined(); // cached, even though inactive
    await subjectOf('made-up-2');
    expect(asked).toEqual(['made-up-1', 'made-up-2']);
    // a third token finds the cache full: it starts over, so the first is asked again
    await subjectOf('made-up-3');
    await subjectOf('made-up-1');
    expect(asked).toEqual(['made-up-1', 'made-up-2', 'made-up-3', 'made-up-1']);
  });
});
