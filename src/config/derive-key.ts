import { createHmac } from 'node:crypto';

/** A key for one purpose, derived from the server secret so that no two purposes share a key. */
export function deriveKey(serverSecret: string, purpose: string): string {
  return createHmac('sha256', serverSecret).update(`appkeys:${purpose}`).digest('base64url');
}
