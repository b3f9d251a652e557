import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** RFC 6238 TOTP (HMAC-SHA-1, 6 digits, 30-second steps) with RFC 4648 base32 secrets. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export const TOTP_STEP_SECONDS = 30;
/** Steps accepted on either side of the current one, for clock drift. */
export const TOTP_WINDOW = 1;

export function base32Encode(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Buffer {
  const clean = text.replace(/=+$/, '').replace(/\s/g, '').toUpperCase();
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    const index = ALPHABET.indexOf(char);
    if (index < 0) throw new Error('invalid base32');
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

/** The code of one time step (HOTP of the step counter, RFC 4226 dynamic truncation). */
export function totpAt(secret: Buffer, counter: number, digits = 6): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', secret).update(message).digest();
  const offset = mac[mac.length - 1]! & 15;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(code).padStart(digits, '0');
}

export const newTotpSecret = () => randomBytes(20);

/**
 * The time step `otp` belongs to (the current one, or one before or after for clock drift), or
 * undefined. Callers accept each step once (users.ts, `claimStep`).
 */
export function matchTotp(
  secret: Buffer,
  otp: string,
  nowMs: number,
  window = TOTP_WINDOW,
): number | undefined {
  if (!/^\d{6}$/.test(otp)) return undefined;
  const current = Math.floor(nowMs / 1000 / TOTP_STEP_SECONDS);
  for (let step = current - window; step <= current + window; step++)
    if (timingSafeEqual(Buffer.from(totpAt(secret, step)), Buffer.from(otp))) return step;
  return undefined;
}

export function otpauthUri(secret: Buffer, account: string, issuer = 'appkeys'): string {
  const label = encodeURIComponent(`${issuer}:${account}`);
  return `otpauth://totp/${label}?secret=${base32Encode(secret)}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`;
}
