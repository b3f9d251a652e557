import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/infra/logger.ts';

/** A real pino logger whose lines are kept in memory, so tests can read what the server logged. */
export function capturedLogger(level = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger(level, sink), lines };
}
