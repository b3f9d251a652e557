import type { Context } from 'koa';
import type { z } from 'zod';
import { AppError } from '../errors.ts';
import { describeIssues } from '../resources/shapes.ts';

const LIMIT = 64 * 1024;
/** Strict: a byte sequence that is not UTF-8 throws instead of becoming U+FFFD (RFC 8259 section 8.1). */
const utf8 = new TextDecoder('utf-8', { fatal: true });

async function readText(ctx: Context): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > LIMIT) throw new AppError('bad_request', `The body is larger than ${LIMIT} bytes.`);
    chunks.push(chunk as Buffer);
  }
  try {
    return utf8.decode(Buffer.concat(chunks));
  } catch {
    throw new AppError('bad_request', 'The body is not valid UTF-8.');
  }
}

/** Reads a JSON body and validates it; malformed JSON, a wrong type or an unknown field is a 400. */
export async function jsonBody<S extends z.ZodType>(ctx: Context, schema: S): Promise<z.output<S>> {
  if (!ctx.is('application/json')) throw new AppError('bad_request', 'Send the body as application/json.');
  const text = await readText(ctx);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AppError('bad_request', `The body is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new AppError('bad_request', `Invalid body: ${describeIssues(parsed.error.issues)}.`);
  return parsed.data;
}

/** Validates the query string the same way. */
export function queryParams<S extends z.ZodType>(ctx: Context, schema: S): z.output<S> {
  const parsed = schema.safeParse(ctx.query);
  if (!parsed.success)
    throw new AppError('bad_request', `Invalid query: ${describeIssues(parsed.error.issues)}.`);
  return parsed.data;
}
