import type { IncomingMessage } from 'node:http';
import * as querystring from 'node:querystring';
import type { Context } from 'koa';
import { AppError } from '../errors.ts';

/** Strict: bytes that are not UTF-8 throw instead of becoming U+FFFD. */
const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Exact = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const notUtf8 = () => new AppError('bad_request', 'The form is not valid UTF-8.');

/** The bytes a form component stands for: `+` is a space, `%XX` a byte (anything else as is). */
function formComponentBytes(component: string): Buffer {
  const bytes = Buffer.from(component, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    const hex = byte === 0x25 ? bytes.toString('latin1', i + 1, i + 3) : '';
    if (/^[0-9a-f]{2}$/i.test(hex)) {
      out.push(parseInt(hex, 16));
      i += 2;
    } else out.push(byte === 0x2b ? 0x20 : byte);
  }
  return Buffer.from(out);
}

/** Checks that every name and value, once percent-decoded, is UTF-8 (querystring would substitute U+FFFD). */
function assertComponentsUtf8(text: string): void {
  if (!text.includes('%')) return; // nothing percent-encoded: the text itself was decoded strictly
  for (const component of text.split(/[&=]/)) {
    if (!component.includes('%')) continue;
    try {
      utf8Exact.decode(formComponentBytes(component));
    } catch {
      throw notUtf8();
    }
  }
}

/**
 * A request's body, or undefined once it passes `limit` bytes (the rest is never read). Events
 * rather than `for await`: async iteration costs a promise per chunk, on every token request.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const detach = () =>
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onAborted);
    const done = (body: Buffer | undefined) => {
      detach();
      resolve(body);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause(); // the rest is never read: the answer closes the connection (strict-form-body.ts)
        done(undefined);
      } else chunks.push(chunk);
    };
    const onEnd = () => done(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    const onError = (error: Error) => {
      detach();
      reject(error);
    };
    const onAborted = () => onError(new Error('request aborted'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted);
  });
}

/** The form of each request's body, parsed once (keyed by the request: only `readForm` sets it). */
const parsedForms = new WeakMap<IncomingMessage, querystring.ParsedUrlQuery>();

/**
 * Reads an application/x-www-form-urlencoded body of at most `limit` bytes; undefined when larger.
 * Throws a 400 AppError when the body or a percent-encoded name or value is not UTF-8. The body is
 * read, checked and parsed once per request: later calls return the same parse (the form as the
 * client sent it). The text is kept in `ctx.request.body`, where oidc-provider reads it.
 */
export async function readForm(ctx: Context, limit: number): Promise<querystring.ParsedUrlQuery | undefined> {
  const known = parsedForms.get(ctx.req);
  if (known) return known;
  const request = ctx.request as { body?: unknown };
  let text: string;
  if (typeof request.body === 'string') {
    text = request.body;
  } else {
    const bytes = await readBody(ctx.req, limit);
    if (!bytes) return undefined;
    try {
      text = utf8.decode(bytes);
    } catch {
      throw notUtf8();
    }
    request.body = text;
  }
  assertComponentsUtf8(text);
  const form = querystring.parse(text);
  parsedForms.set(ctx.req, form);
  return form;
}

/** The form `readForm` read from this request's body, if it did. */
export const sentForm = (ctx: Context): querystring.ParsedUrlQuery | undefined => parsedForms.get(ctx.req);

export const field = (form: querystring.ParsedUrlQuery, name: string): string => {
  const value = form[name];
  return typeof value === 'string' ? value : '';
};
