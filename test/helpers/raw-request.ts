import http from 'node:http';
import type { Json } from './http.ts';

export type RawResponse = {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  body: Json;
};

export type RawRequest = {
  method?: string;
  /** A header given as an array is sent once per value (a repeated header line). */
  headers?: Record<string, string | string[]>;
  /** Bytes as given (a Buffer may hold what is not UTF-8). */
  body?: string | Buffer;
  /** The local address to send from (any of 127.0.0.0/8), so per-address throttles can be told apart. */
  from?: string;
};

/**
 * One HTTP request with the path sent exactly as given (fetch would normalise it), for probing how
 * the server treats odd paths, headers and bodies.
 */
export function rawRequest(baseUrl: string, path: string, options: RawRequest = {}): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'GET',
        path,
        headers: {
          ...(options.body !== undefined && { 'content-length': String(Buffer.byteLength(options.body)) }),
          ...options.headers,
        },
        localAddress: options.from,
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: Json;
          try {
            body = JSON.parse(text) as Json;
          } catch {
            body = undefined;
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, body });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

export const form = (fields: Record<string, string>) => ({
  'content-type': 'application/x-www-form-urlencoded',
  body: new URLSearchParams(fields).toString(),
});

export const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Log lines at level error (50) or above: what the server wrote about failures it did not expect. */
export const errorLines = (logs: string[]) =>
  logs.filter((line) => {
    try {
      return (JSON.parse(line) as { level?: number }).level! >= 50;
    } catch {
      return false;
    }
  });
