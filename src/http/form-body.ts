import * as querystring from 'node:querystring';
import type { Context } from 'koa';

/** Reads an application/x-www-form-urlencoded body of at most `limit` bytes; undefined when larger. */
export async function readForm(ctx: Context, limit: number): Promise<querystring.ParsedUrlQuery | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return querystring.parse(Buffer.concat(chunks).toString('utf8'));
}

export const field = (form: querystring.ParsedUrlQuery, name: string): string => {
  const value = form[name];
  return typeof value === 'string' ? value : '';
};
