// A benchmark server process: the real server from environment configuration; with
// --without-rate-limit, the same server without the limiter (the overhead baseline).
import { loadConfig } from '../src/config/env.ts';
import { createLogger } from '../src/infra/logger.ts';
import { startServer } from '../src/server.ts';
import { installMemoryProbe } from './memory-probe.ts';

const server = await startServer(loadConfig(process.env), createLogger('warn'), {
  withoutRateLimit: process.argv.includes('--without-rate-limit'),
});
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
installMemoryProbe();
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
