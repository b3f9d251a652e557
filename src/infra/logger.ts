import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Paths that may carry credentials; pino replaces their values before anything is written. */
const redact = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.client_secret',
  '*.password',
  '*.access_token',
  '*.otp',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    { level, redact: { paths: redact, censor: '[redacted]' }, base: { service: 'appkeys' } },
    destination,
  );
}
